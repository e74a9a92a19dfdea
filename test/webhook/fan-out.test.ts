import { afterEach, describe, expect, it, vi } from 'vitest';
import { type Pause, toView } from '../../src/domain/pause.js';
import {
  deliveryJobId,
  JobKind,
  type ReportedEventDetail,
  type ReportedEventType,
  reportedEventJobId,
} from '../../src/jobs/job-kinds.js';
import { MemoryWebhookStore } from '../../src/store/memory-webhooks.js';
import type { Job } from '../../src/store/ports/jobs.js';
import type { WebhookEventType } from '../../src/store/ports/webhooks.js';
import { cancelApproval } from '../../src/use-cases/cancel.js';
import { decideApproval } from '../../src/use-cases/decide.js';
import { loadPause } from '../../src/use-cases/load-pause.js';
import { eventRetentionMs } from '../../src/webhook/deliver.js';
import { endedEventType, WebhookFanOut } from '../../src/webhook/fan-out.js';
import { decision, newPause, useCaseWorld } from '../helpers/use-cases.js';
import { endpoint, endpointId } from '../helpers/webhook-unit.js';

const [A, B, C, D] = [1, 2, 3, 4].map(endpointId) as [string, string, string, string];
const HOUR = 3_600_000;

/** A pause world (MemoryStore, ManualClock) with webhook endpoints and the fan-out over them. */
function fanOutWorld(retryScheduleMs?: readonly number[]) {
  const world = useCaseWorld();
  const webhooks = new MemoryWebhookStore(world.clock.now);
  const fanOut = new WebhookFanOut({
    webhooks,
    jobs: world.store,
    loadPause: (pauseId) => loadPause(world.deps, pauseId),
    now: world.clock.now,
    ...(retryScheduleMs ? { retryScheduleMs } : {}),
  });
  const job = <K extends typeof JobKind.pauseCreated | typeof JobKind.pauseEnded>(
    kind: K,
    pauseId: string,
    id = `${kind}:${pauseId}`,
  ): Job<K> => ({ id, kind, data: { pause_id: pauseId }, run_at: world.clock.ms, attempts: 1 }) as Job<K>;
  /** A `webhook.event` job, as PauseEventOutbox.emit queues it. */
  const reported = (
    pauseId: string,
    type: ReportedEventType,
    detail: ReportedEventDetail,
  ): Job<typeof JobKind.webhookEvent> => ({
    id: reportedEventJobId(type, pauseId, detail),
    kind: JobKind.webhookEvent,
    data: { pause_id: pauseId, type, detail },
    run_at: world.clock.ms,
    attempts: 1,
  });
  return {
    ...world,
    webhooks,
    fanOut,
    job,
    reported,
    async subscribe(id: string, events: WebhookEventType[], enabled = true) {
      await webhooks.addEndpoint(endpoint(id, { events, enabled }));
    },
    /** The delivery jobs queued, by id (claimed with no lease, so they stay due: no runner runs here). */
    async deliveries(): Promise<string[]> {
      return (await world.store.claimDueJobs(world.clock.ms + 365 * 24 * HOUR, 0, 1000))
        .filter((j) => j.kind === JobKind.webhookDeliver)
        .map((j) => j.id)
        .sort();
    },
    async body(eventId: string) {
      const event = await webhooks.getEvent(eventId);
      return event
        ? (JSON.parse(event.body) as { type: string; timestamp: string; data: Record<string, unknown> })
        : null;
    },
  };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('WebhookFanOut over memory stores', () => {
  it('nobody listens: nothing is stored or queued', async () => {
    const w = fanOutWorld();
    await w.subscribe(A, ['pause.decided']);
    await w.subscribe(B, ['pause.created'], false);
    const id = await newPause(w);
    await w.fanOut.onPauseCreated(w.job(JobKind.pauseCreated, id));
    expect(await w.webhooks.getEvent(`${id}.created`)).toBeNull();
    expect(await w.deliveries()).toEqual([]);
    expect(await w.webhooks.pendingCount()).toBe(0);
  });

  it('pause.created: one event, its body fixed once, and one delivery per subscribed, enabled endpoint', async () => {
    const w = fanOutWorld();
    await w.subscribe(A, ['pause.created']);
    await w.subscribe(B, ['pause.created', 'pause.decided']);
    await w.subscribe(C, ['pause.decided']);
    await w.subscribe(D, ['pause.created'], false);
    const id = await newPause(w);
    const pause = (await loadPause(w.deps, id)) as Pause;
    await w.fanOut.onPauseCreated(w.job(JobKind.pauseCreated, id));

    const eventId = `${id}.created`;
    expect(await w.deliveries()).toEqual([deliveryJobId(A, eventId), deliveryJobId(B, eventId)].sort());
    expect(await w.webhooks.pendingCount()).toBe(2);
    expect(await w.webhooks.getEvent(eventId)).toMatchObject({ type: 'pause.created', pause_id: id, fanned_out: true });
    expect(await w.body(eventId)).toEqual({
      type: 'pause.created',
      timestamp: pause.created_at,
      data: JSON.parse(JSON.stringify(toView(pause))),
    });
  });

  it('keeps the event until the last retry and a day more', async () => {
    const w = fanOutWorld([1000, 2000]);
    await w.subscribe(A, ['pause.created']);
    const id = await newPause(w);
    await w.fanOut.onPauseCreated(w.job(JobKind.pauseCreated, id));
    w.clock.advance(eventRetentionMs([1000, 2000]) - 1);
    expect(await w.webhooks.getEvent(`${id}.created`)).not.toBeNull();
    w.clock.advance(1);
    expect(await w.webhooks.getEvent(`${id}.created`)).toBeNull();
  });

  it('fanning out again queues nothing more; after a crash before it was marked, it queues the rest with the first body', async () => {
    const w = fanOutWorld();
    await w.subscribe(A, ['pause.created']);
    await w.subscribe(B, ['pause.created']);
    const id = await newPause(w);
    const eventId = `${id}.created`;
    vi.spyOn(w.webhooks, 'markFannedOut').mockRejectedValueOnce(new Error('crash'));
    await expect(w.fanOut.onPauseCreated(w.job(JobKind.pauseCreated, id))).rejects.toThrow('crash');
    const first = await w.body(eventId);
    expect(first?.data.status).toBe('pending');
    // The pause moves on before the job runs again: the event keeps the body it was stored with.
    await decideApproval(w.decideDeps, id, decision('ops@example.com'));
    await w.fanOut.onPauseCreated(w.job(JobKind.pauseCreated, id));
    expect(await w.deliveries()).toEqual([deliveryJobId(A, eventId), deliveryJobId(B, eventId)].sort());
    expect(await w.body(eventId)).toEqual(first);
    expect(await w.webhooks.getEvent(eventId)).toMatchObject({ fanned_out: true });

    await w.subscribe(C, ['pause.created']);
    expect(await w.fanOut.fanOut(id, 'pause.created', eventId, (p) => p.created_at)).toBe(0);
    expect(await w.deliveries()).toHaveLength(2);
  });

  it('pause.ended: decided, timed out and cancelled are each their own event, at the end time; a pending pause sends none', async () => {
    const w = fanOutWorld();
    await w.subscribe(A, ['pause.decided', 'pause.timed_out', 'pause.cancelled']);
    const decided = await newPause(w);
    const cancelled = await newPause(w);
    const timedOut = await newPause(w, { recipient_email: 'ops@example.com', timeout_hours: 1 });
    const pending = await newPause(w);
    await decideApproval(w.decideDeps, decided, decision('ops@example.com'));
    await cancelApproval(w.deps, 'agent-a', { pause_id: cancelled, reason: 'not needed' });
    w.clock.advance(HOUR);
    for (const id of [decided, cancelled, timedOut, pending]) {
      await w.fanOut.onPauseEnded(w.job(JobKind.pauseEnded, id, `ended:${id}`));
    }
    const ids = [`${decided}.decided`, `${cancelled}.cancelled`, `${timedOut}.timed_out`];
    expect(await w.deliveries()).toEqual(ids.map((e) => deliveryJobId(A, e)).sort());
    for (const [eventId, pauseId, type] of [
      [ids[0], decided, 'pause.decided'],
      [ids[1], cancelled, 'pause.cancelled'],
      [ids[2], timedOut, 'pause.timed_out'],
    ] as const) {
      const pause = (await loadPause(w.deps, pauseId)) as Pause;
      expect(await w.body(eventId as string)).toMatchObject({ type, timestamp: pause.ended_at });
    }
    expect((await w.body(ids[1] as string))?.data.cancel_reason).toBe('not needed');
    expect((await w.body(ids[0] as string))?.data.status).toBe('responded');
  });

  // A `webhook.event` body the previous version stored with an unreadable id is dropped by the store: test/store/job-codec.test.ts.
  it('reported events carry their detail and are stamped when fanned out', async () => {
    const w = fanOutWorld();
    await w.subscribe(A, ['pause.delivered', 'pause.reminded', 'pause.escalated']);
    const id = await newPause(w);
    w.clock.advance(60_000);
    await w.fanOut.onReportedEvent(w.reported(id, 'pause.delivered', { channel: 'email' }));
    await w.fanOut.onReportedEvent(w.reported(id, 'pause.reminded', { step: 2 }));
    await w.fanOut.onReportedEvent(w.reported(id, 'pause.escalated', { step: 0 }));
    expect(await w.body(`${id}.delivered.email`)).toMatchObject({
      type: 'pause.delivered',
      timestamp: new Date(w.clock.ms).toISOString(),
      data: { pause_id: id, detail: { channel: 'email' } },
    });
    expect((await w.body(`${id}.reminded.2`))?.data.detail).toEqual({ step: 2 });
    expect((await w.body(`${id}.escalated.0`))?.data.detail).toEqual({ step: 0 });
    expect(await w.deliveries()).toHaveLength(3);
  });

  it('endedEventType names the end of a pause, and nothing for a pending one', () => {
    expect(endedEventType({ status: 'responded' })).toBe('pause.decided');
    expect(endedEventType({ status: 'timed_out' })).toBe('pause.timed_out');
    expect(endedEventType({ status: 'cancelled' })).toBe('pause.cancelled');
    expect(endedEventType({ status: 'pending' })).toBeUndefined();
  });
});
