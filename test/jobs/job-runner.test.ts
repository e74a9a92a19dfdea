import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { backoffMs, JobRunner } from '../../src/jobs/job-runner.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import type { Job } from '../../src/store/ports/jobs.js';
import { eventually } from '../helpers/eventually.js';
import { pauseAt } from '../helpers/pauses.js';

const logger = pino({ level: 'silent' });

function setup(maxAttempts = 3) {
  let now = 1_000_000;
  const store = new MemoryStore();
  const runner = new JobRunner({ store, logger, now: () => now, maxAttempts, leaseMs: 60_000 });
  return { store, runner, advance: (ms: number) => (now += ms), now: () => now };
}

describe('JobRunner', () => {
  it('runs every handler of a due job once and completes it', async () => {
    const { store, runner, now } = setup();
    const seen: string[] = [];
    runner.on('pause.ended', async (t) => void seen.push(`a:${t.data.pause_id}`));
    runner.on('pause.ended', async (t) => void seen.push(`b:${t.data.pause_id}`));
    await store.enqueueJob({ id: 'ended:p1', kind: 'pause.ended', data: { pause_id: 'p1' }, run_at: now() });
    await runner.tick();
    await runner.tick();
    expect(seen).toEqual(['a:p1', 'b:p1']);
    expect(await store.claimDueJobs(now() + 10_000_000, 1, 10)).toEqual([]);
  });

  it('retries a failing job with growing backoff, then gives up after maxAttempts', async () => {
    const { store, runner, advance, now } = setup(3);
    const attempts: number[] = [];
    runner.on('email.send', async (t: Job<'email.send'>) => {
      attempts.push(t.attempts);
      throw new Error('SMTP down');
    });
    await store.enqueueJob({ id: 'email.send:p1', kind: 'email.send', data: { pause_id: 'p1' }, run_at: now() });
    await runner.tick();
    expect(attempts).toEqual([1]);
    await runner.tick();
    expect(attempts).toEqual([1]);
    advance(1_300);
    await runner.tick();
    expect(attempts).toEqual([1, 2]);
    advance(2_500);
    await runner.tick();
    expect(attempts).toEqual([1, 2, 3]);
    advance(10_000_000);
    await runner.tick();
    expect(attempts).toEqual([1, 2, 3]);
  });

  it('times out due pauses on each round', async () => {
    const { store, runner, advance, now } = setup();
    const created = new Date(now()).toISOString();
    await store.createPause({
      pause: {
        pause_id: 'pse_aaaaaaaaaaaaaaaaaaaaaaaaaa',
        agent_id: 'a',
        status: 'pending',
        created_at: created,
        expires_at: new Date(now() + 500).toISOString(),
        request: { action_description: 'x', action_details: {}, recipient_email: 'a@b.co', timeout_hours: 1 },
        action_digest: 'd',
        delivery: {},
      },
      jobs: [],
    });
    await runner.tick();
    expect((await store.getPause('pse_aaaaaaaaaaaaaaaaaaaaaaaaaa'))?.status).toBe('pending');
    advance(500);
    await runner.tick();
    expect((await store.getPause('pse_aaaaaaaaaaaaaaaaaaaaaaaaaa'))?.status).toBe('timed_out');
  });

  it('sweeps a burst of expiries in one round, batch after batch', async () => {
    const { store, runner, advance, now } = setup();
    for (let i = 0; i < 1200; i++) {
      await store.createPause({
        pause: {
          pause_id: `pse_${String(i).padStart(26, 'a')}`,
          agent_id: 'a',
          status: 'pending',
          created_at: new Date(now()).toISOString(),
          expires_at: new Date(now() + 100).toISOString(),
          request: { action_description: 'x', action_details: {}, recipient_email: 'a@b.co', timeout_hours: 1 },
          action_digest: 'd',
          delivery: {},
        },
        jobs: [],
      });
    }
    advance(100);
    await runner.tick();
    const pending = await store.listPauses({ agentId: 'a', status: 'pending', limit: 10 });
    expect(pending.items).toEqual([]);
    const timedOut = await store.listPauses({ agentId: 'a', status: 'timed_out', limit: 2000 });
    expect(timedOut.items).toHaveLength(1200);
  });

  it('started, runs work as it is scheduled and at its due time, without being kicked', async () => {
    const store = new MemoryStore();
    const runner = new JobRunner({ store, logger, maxSleepMs: 60_000 });
    const ran: { id: string; at: number; due: number }[] = [];
    runner.on(
      'email.send',
      async (job) => void ran.push({ id: job.id, at: Date.now(), due: Number(job.data.pause_id) }),
    );
    runner.start();
    try {
      const now = Date.now();
      await store.enqueueJob({ id: 'now', kind: 'email.send', data: { pause_id: String(now) }, run_at: now });
      await store.enqueueJob({
        id: 'soon',
        kind: 'email.send',
        data: { pause_id: String(now + 300) },
        run_at: now + 300,
      });
      await eventually(() => (ran.length === 2 ? true : undefined));
      expect(ran.map((r) => r.id)).toEqual(['now', 'soon']);
      for (const r of ran) expect(r.at).toBeGreaterThanOrEqual(r.due);
      expect(await store.nextWakeAt()).toBeNull();
    } finally {
      await runner.stop();
    }
  });

  it('times out a pause at its deadline with nobody polling', async () => {
    const store = new MemoryStore();
    const runner = new JobRunner({ store, logger, maxSleepMs: 60_000 });
    runner.start();
    try {
      const pause = pauseAt(Date.now(), {}, 200);
      await store.createPause({ pause, jobs: [] });
      await eventually(async () => ((await store.getPause(pause.pause_id))?.status === 'timed_out' ? true : undefined));
    } finally {
      await runner.stop();
    }
  });

  it('runs at most `concurrency` jobs at once and drains the rest as slots free up', async () => {
    const store = new MemoryStore();
    const runner = new JobRunner({ store, logger, concurrency: 2 });
    let most = 0;
    const done: string[] = [];
    // Each job runs until the test lets it finish: the jobs held open are the ones running.
    const held: (() => void)[] = [];
    runner.on('email.send', async (job) => {
      await new Promise<void>((finish) => {
        held.push(finish);
        most = Math.max(most, held.length);
      });
      done.push(job.id);
    });
    runner.start();
    try {
      for (let i = 0; i < 7; i++) {
        await store.enqueueJob({ id: `j${i}`, kind: 'email.send', data: { pause_id: 'p' }, run_at: Date.now() });
      }
      // Both slots fill, and stay at two while the rest wait; finishing one lets the next start.
      for (let finished = 0; finished < 7; finished++) {
        const running = Math.min(2, 7 - finished);
        await eventually(() => (held.length === running ? true : undefined));
        held.shift()?.();
      }
      await eventually(() => (done.length === 7 ? true : undefined));
      expect(most).toBe(2);
      expect(held).toEqual([]);
    } finally {
      await runner.stop();
    }
  });

  it('hands back a job this replica has no handler for, so a replica that has one runs it', async () => {
    const { store, runner, advance, now } = setup(8);
    await store.enqueueJob({ id: 'slack.post:p1', kind: 'slack.post', data: { pause_id: 'p1' }, run_at: now() });
    await runner.tick();
    const posted: string[] = [];
    const withSlack = new JobRunner({ store, logger, now, leaseMs: 60_000 });
    withSlack.on('slack.post', async (job) => void posted.push(job.data.pause_id));
    advance(1_300);
    await withSlack.tick();
    expect(posted).toEqual(['p1']);
    // A pause that ended with no surface to update is simply done.
    await store.enqueueJob({ id: 'ended:p2', kind: 'pause.ended', data: { pause_id: 'p2' }, run_at: now() });
    await runner.tick();
    expect(await store.nextWakeAt()).toBeNull();
  });

  it('backs off exponentially within bounds', () => {
    for (let attempt = 1; attempt <= 20; attempt++) {
      const ms = backoffMs(attempt);
      const base = Math.min(300_000, 1000 * 2 ** (attempt - 1));
      expect(ms).toBeGreaterThanOrEqual(base * 0.8);
      expect(ms).toBeLessThanOrEqual(base * 1.2);
    }
  });
});
