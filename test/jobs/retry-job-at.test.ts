import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { JobRunner, RetryJobAt } from '../../src/jobs/job-runner.js';
import { MemoryStore } from '../../src/store/memory-store.js';

const logger = pino({ level: 'silent' });

describe('JobRunner: a handler with its own retry schedule (RetryJobAt)', () => {
  it('runs the job again at the time the handler names, past maxAttempts, until the handler returns', async () => {
    let now = 1_000_000;
    const store = new MemoryStore();
    const runner = new JobRunner({ store, logger, now: () => now, maxAttempts: 2, leaseMs: 60_000 });
    const runs: number[] = [];
    runner.on('webhook.deliver', async (job) => {
      runs.push(now);
      // Hours apart, five times: far beyond the runner's backoff (≤ 5 min) and maxAttempts (2).
      if (runs.length < 5) throw new RetryJobAt(now + 3_600_000 * runs.length, 'HTTP 500');
      expect(job.attempts).toBe(5);
    });
    await store.enqueueJob({
      id: 'webhook.deliver:a:b',
      kind: 'webhook.deliver',
      data: { pause_id: 'p', endpoint_id: 'a', event_id: 'b' },
      run_at: now,
    });
    await runner.tick();
    expect(runs).toEqual([1_000_000]);
    // Not before its time.
    now += 3_600_000 - 1;
    await runner.tick();
    expect(runs).toHaveLength(1);
    for (let i = 1; i < 5; i++) {
      now = (runs.at(-1) ?? 0) + 3_600_000 * i;
      await runner.tick();
      expect(runs).toHaveLength(i + 1);
    }
    // Returned: completed, never runs again.
    now += 100 * 3_600_000;
    await runner.tick();
    expect(runs).toHaveLength(5);
    expect(await store.claimDueJobs(now, 1, 10)).toEqual([]);
  });

  it('leaves other errors to the runner backoff and its attempt limit', async () => {
    let now = 1_000_000;
    const store = new MemoryStore();
    const runner = new JobRunner({ store, logger, now: () => now, maxAttempts: 2, leaseMs: 60_000 });
    let runs = 0;
    runner.on('webhook.deliver', async () => {
      runs++;
      throw new Error('boom');
    });
    await store.enqueueJob({
      id: 'webhook.deliver:x:y',
      kind: 'webhook.deliver',
      data: { pause_id: 'p', endpoint_id: 'x', event_id: 'y' },
      run_at: now,
    });
    for (let i = 0; i < 5; i++) {
      await runner.tick();
      now += 600_000;
    }
    expect(runs).toBe(2);
  });
});
