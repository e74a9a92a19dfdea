import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { verifyDecision } from '../../src/domain/signing.js';
import { JobRunner } from '../../src/jobs/job-runner.js';
import { Metrics } from '../../src/metrics.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { endAtDeadline } from '../../src/use-cases/end-at-deadline.js';
import { pauseAt } from '../helpers/pauses.js';
import { metricValue } from '../helpers/use-cases.js';

const logger = pino({ level: 'silent' });
const SECRET = 'runner-deadline-secret-0123456789abcdef';

describe('JobRunner: the policy’s decision at the deadline', () => {
  it('signs it when the sweep finds the pause due, dated the deadline, and counts it as the policy’s decision', async () => {
    let now = 1_000_000;
    const store = new MemoryStore();
    const metrics = new Metrics({ defaultMetrics: false });
    const runner = new JobRunner({
      store,
      logger,
      metrics,
      now: () => now,
      endAtDeadline: (pauseId, nowMs) => endAtDeadline({ store, signing: { signingSecret: SECRET } }, pauseId, nowMs),
    });
    const approved = pauseAt(now, { timeout_decision: { decision: 'approved', rule: 'small' } }, 1000);
    const rejected = pauseAt(now, { timeout_decision: { decision: 'rejected', rule: 'payments' } }, 1000);
    const plain = pauseAt(now, {}, 1000);
    for (const pause of [approved, rejected, plain]) await store.createPause({ pause, jobs: [] });

    await runner.tick();
    expect((await store.getPause(approved.pause_id))?.status).toBe('pending');
    expect(JSON.stringify(store.snapshot())).not.toContain('sha256=');

    now += 1000;
    await runner.tick();
    for (const [pause, decision, rule] of [
      [approved, 'approved', 'small'],
      [rejected, 'rejected', 'payments'],
    ] as const) {
      const ended = await store.getPause(pause.pause_id);
      expect(ended).toMatchObject({
        status: 'responded',
        ended_at: pause.expires_at,
        response: { decision, channel: 'policy', responder: `policy:${rule}`, responded_at: pause.expires_at },
      });
      expect(verifyDecision(SECRET, ended?.response, { pause_id: pause.pause_id, action: pause.request })).toEqual({
        ok: true,
      });
    }
    expect((await store.getPause(plain.pause_id))?.status).toBe('timed_out');
    expect(await metricValue(metrics.pausesEnded, { outcome: 'approved', channel: 'policy' })).toBe(1);
    expect(await metricValue(metrics.pausesEnded, { outcome: 'rejected', channel: 'policy' })).toBe(1);
    expect(await metricValue(metrics.pausesEnded, { outcome: 'timed_out', channel: 'none' })).toBe(1);
    expect(await metricValue(metrics.pausesEnded)).toBe(3);

    // Nothing left due: a later round changes nothing and counts nothing again.
    now += 1000;
    await runner.tick();
    expect(await metricValue(metrics.pausesEnded)).toBe(3);
  });

  it('without a signer wired in, leaves such a pause pending rather than ending it unsigned', async () => {
    let now = 1_000_000;
    const store = new MemoryStore();
    const runner = new JobRunner({ store, logger, now: () => now });
    const pause = pauseAt(now, { timeout_decision: { decision: 'approved', rule: 'small' } }, 1000);
    await store.createPause({ pause, jobs: [] });
    now += 1000;
    await runner.tick();
    expect(await store.getPause(pause.pause_id)).toMatchObject({ status: 'pending' });
  });
});
