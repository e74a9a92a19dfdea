import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Pause } from '../../src/domain/pause.js';
import { JobKind } from '../../src/jobs/job-kinds.js';
import { Metrics } from '../../src/metrics.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { DeliveryPlan } from '../../src/use-cases/deliveries.js';
import { claimDue, metricValue, newPause, T0, useCaseWorld } from '../helpers/use-cases.js';

async function storedPause(world: ReturnType<typeof useCaseWorld>, id: string): Promise<Pause> {
  const pause = await world.store.getPause(id);
  if (!pause) throw new Error(`no pause ${id}`);
  return pause;
}

describe('DeliveryPlan.initialJobs', () => {
  it('Slack first, e-mail now or as the fallback: for every recipient mix and setting (property)', async () => {
    const world = useCaseWorld();
    const slackPause = await storedPause(world, await newPause(world, { recipient_slack: '#ops' }));
    const emailPause = await storedPause(world, await newPause(world, { recipient_email: 'ops@example.com' }));
    const bothPause = await storedPause(
      world,
      await newPause(world, { recipient_slack: '#ops', recipient_email: 'ops@example.com' }),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(slackPause, emailPause, bothPause),
        fc.boolean(),
        fc.integer({ min: 0, max: 7 * 24 * 3_600_000 }),
        fc.integer({ min: 0, max: 2 ** 40 }),
        (pause, slackEnabled, fallbackMs, nowMs) => {
          const plan = new DeliveryPlan(
            { store: new MemoryStore(), now: () => nowMs },
            { slackEnabled, emailFallbackAfterMs: fallbackMs },
          );
          const jobs = plan.initialJobs(pause, nowMs);
          const slack = pause.request.recipient_slack !== undefined && slackEnabled;
          const email = pause.request.recipient_email !== undefined;
          const expected = [
            ...(slack ? [{ kind: JobKind.slackPost, run_at: nowMs }] : []),
            ...(email && slack ? [{ kind: JobKind.emailFallback, run_at: nowMs + fallbackMs }] : []),
            ...(email && !slack ? [{ kind: JobKind.emailSend, run_at: nowMs }] : []),
            { kind: JobKind.pauseCreated, run_at: nowMs },
          ].map((j) => ({ ...j, id: `${j.kind}:${pause.pause_id}`, data: { pause_id: pause.pause_id } }));
          expect(jobs).toEqual(expected);
        },
      ),
    );
  });
});

describe('DeliveryPlan.handOverToEmail', () => {
  it('queues the e-mail once, due now; a second hand-over queues nothing', async () => {
    const world = useCaseWorld();
    const id = await newPause(world, { recipient_slack: '#ops', recipient_email: 'ops@example.com' });
    await claimDue(world.store, T0); // the Slack post
    const pause = await storedPause(world, id);
    world.clock.advance(30_000);

    expect(await world.deliveries.handOverToEmail(pause)).toBe(true);
    expect(await world.deliveries.handOverToEmail(pause)).toBe(false);
    const due = await claimDue(world.store, T0 + 30_000);
    expect(due.map((j) => [j.kind, j.id])).toEqual([[JobKind.emailSend, `${JobKind.emailSend}:${id}`]]);
  });

  it('without an e-mail recipient there is nothing to hand over', async () => {
    const world = useCaseWorld();
    const id = await newPause(world, { recipient_slack: '#ops' });
    await claimDue(world.store, T0);
    expect(await world.deliveries.handOverToEmail(await storedPause(world, id))).toBe(false);
    expect(await claimDue(world.store, T0 + 24 * 3_600_000)).toEqual([]);
  });
});

describe('DeliveryPlan.record', () => {
  it('stores each delivery state beside the pause and counts failures and retries per surface', async () => {
    const world = useCaseWorld();
    const metrics = world.metrics;
    if (!metrics) throw new Error('metrics expected');
    const id = await newPause(world, { recipient_slack: '#ops', recipient_email: 'ops@example.com' });
    const at = new Date(T0).toISOString();

    await world.deliveries.record(id, 'slack', { state: 'retrying', error: 'internal_error', at });
    await world.deliveries.record(id, 'slack', { state: 'failed', error: 'channel_not_found', at });
    await world.deliveries.record(id, 'email', { state: 'scheduled', attempts: 0, at });
    await world.deliveries.record(id, 'email', { state: 'retrying', attempts: 1, error: 'ECONNREFUSED', at });
    await world.deliveries.record(id, 'email', { state: 'sent', attempts: 2, message_id: '<m@x>', at });

    expect(await metricValue(metrics.deliveryFailures, { surface: 'slack' })).toBe(2);
    expect(await metricValue(metrics.deliveryFailures, { surface: 'email' })).toBe(1);
    expect((await storedPause(world, id)).delivery).toEqual({
      slack: { state: 'failed', error: 'channel_not_found', at },
      email: { state: 'sent', attempts: 2, message_id: '<m@x>', at },
    });
  });

  it('a posted or sent delivery is not a failure', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    const world = useCaseWorld();
    const plan = new DeliveryPlan(
      { store: world.store, now: world.clock.now, metrics },
      { slackEnabled: true, emailFallbackAfterMs: 0 },
    );
    const id = await newPause(world, { recipient_slack: '#ops', recipient_email: 'ops@example.com' });
    const at = new Date(T0).toISOString();
    await plan.record(id, 'slack', { state: 'posted', channel: 'C0OPS0001', ts: '1.2', at });
    await plan.record(id, 'email', { state: 'sent', attempts: 1, at });
    expect(await metricValue(metrics.deliveryFailures)).toBe(0);
    expect((await storedPause(world, id)).delivery.slack?.state).toBe('posted');
  });

  it('records without metrics too', async () => {
    const world = useCaseWorld({ metrics: false });
    const id = await newPause(world, { recipient_slack: '#ops' });
    const at = new Date(T0).toISOString();
    await world.deliveries.record(id, 'slack', { state: 'failed', error: 'not_in_channel', at });
    expect((await storedPause(world, id)).delivery.slack?.error).toBe('not_in_channel');
  });

  it('one reading of the delivery key: the same record makes the audit entry and the webhook event', async () => {
    const world = useCaseWorld();
    const emitted: unknown[] = [];
    const plan = new DeliveryPlan(
      { store: world.store, now: world.clock.now },
      { slackEnabled: true, emailFallbackAfterMs: 0 },
      { emit: async (...args: unknown[]) => void emitted.push(args) },
    );
    const id = await newPause(world, { recipient_slack: '#ops', recipient_email: 'ops@example.com' });
    const at = new Date(T0).toISOString();
    await plan.record(id, 'slack', { state: 'failed', error: 'not_in_channel', at });
    await plan.record(id, 'email', { state: 'retrying', attempts: 1, error: 'ECONNREFUSED', at });
    await plan.record(id, 'email', { state: 'sent', attempts: 2, at });
    await plan.record(id, 'slack_remind_1', { state: 'posted', channel: 'C0OPS0001', ts: '1.3', at });
    await plan.record(id, 'email_escalate_0', { state: 'failed', attempts: 3, error: 'bounced', at });
    await plan.record(id, 'email_escalate_0', { state: 'sent', attempts: 4, at });

    expect(emitted).toEqual([
      [id, 'pause.delivered', { channel: 'email' }],
      [id, 'pause.reminded', { step: 1 }],
      [id, 'pause.escalated', { step: 0 }],
    ]);
    const audited = (await world.store.pauseTimeline(id))
      .map((entry) => JSON.parse(entry.body) as { type: string; data: unknown })
      .filter((entry) => entry.type !== 'pause.created');
    expect(audited.map(({ type, data }) => ({ type, data }))).toEqual([
      { type: 'pause.delivery_failed', data: { surface: 'slack', error: 'not_in_channel' } },
      { type: 'pause.delivered', data: { surface: 'email' } },
      { type: 'pause.reminded', data: { surface: 'slack', step: 1 } },
      { type: 'pause.escalated', data: { surface: 'email', step: 0 } },
    ]);
  });
});
