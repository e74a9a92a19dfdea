import { JobKind } from '../jobs/job-kinds.js';
import type { JobQueue } from '../store/ports/jobs.js';

/** The pause events surfaces report; the others (created, decided, timed out, cancelled) follow from the store's own transitions. */
export const REPORTED_EVENT_TYPES = ['pause.delivered', 'pause.reminded', 'pause.escalated'] as const;
export type ReportedEventType = (typeof REPORTED_EVENT_TYPES)[number];

/** What tells one reported event from another of the same pause: the channel delivered on, or the plan's step. */
export type ReportedEventDetail = { channel: 'slack' | 'email' } | { step: number };

export const reportedEventJobId = (type: ReportedEventType, pauseId: string, key: string) =>
  `${JobKind.webhookEvent}:${type}:${pauseId}:${key}`;

export function parseReportedEventJobId(
  id: string,
): { type: ReportedEventType; pauseId: string; detail: ReportedEventDetail; key: string } | undefined {
  const [kind, type, pauseId, key, ...rest] = id.split(':');
  if (kind !== JobKind.webhookEvent || !pauseId || !key || rest.length > 0) return undefined;
  if (!(REPORTED_EVENT_TYPES as readonly string[]).includes(type ?? '')) return undefined;
  if (type === 'pause.delivered') {
    return key === 'slack' || key === 'email' ? { type, pauseId, key, detail: { channel: key } } : undefined;
  }
  if (!/^\d{1,4}$/.test(key)) return undefined;
  return { type: type as ReportedEventType, pauseId, key, detail: { step: Number(key) } };
}

/**
 * Where surfaces report what happened to a pause outside the store's transitions — Slack posted,
 * the e-mail sent, a reminder or an escalation went out — so webhooks can tell other systems.
 * `emit` queues a durable job (the outbox): it survives a crash right after, and the webhook surface
 * fans it out to the subscribed endpoints. The same event emitted twice is sent once while queued.
 */
export class PauseEventOutbox {
  constructor(private readonly deps: { store: Pick<JobQueue, 'enqueueJob'>; now: () => number }) {}

  /** `pause.delivered` with `{channel}`; `pause.reminded` and `pause.escalated` with the plan's `{step}`. */
  async emit(pauseId: string, type: 'pause.delivered', detail: { channel: 'slack' | 'email' }): Promise<void>;
  async emit(pauseId: string, type: 'pause.reminded' | 'pause.escalated', detail: { step: number }): Promise<void>;
  async emit(pauseId: string, type: ReportedEventType, detail: ReportedEventDetail): Promise<void> {
    const key = 'channel' in detail ? detail.channel : String(detail.step);
    await this.deps.store.enqueueJob({
      id: reportedEventJobId(type, pauseId, key),
      kind: JobKind.webhookEvent,
      pause_id: pauseId,
      run_at: this.deps.now(),
    });
  }
}
