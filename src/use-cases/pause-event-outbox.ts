import { JobKind, type ReportedEventDetail, type ReportedEventType, reportedEventJobId } from '../jobs/job-kinds.js';
import type { JobQueue } from '../store/ports/jobs.js';

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
    await this.deps.store.enqueueJob({
      id: reportedEventJobId(type, pauseId, detail),
      kind: JobKind.webhookEvent,
      data: { pause_id: pauseId, type, detail },
      run_at: this.deps.now(),
    });
  }
}
