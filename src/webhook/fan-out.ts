import { type Pause, toView } from '../domain/pause.js';
import { deliveryJobId, JobKind } from '../jobs/job-kinds.js';
import type { Job, JobQueue } from '../store/ports/jobs.js';
import type { WebhookEventType, WebhookStore } from '../store/ports/webhooks.js';
import { eventRetentionMs } from './deliver.js';

export interface FanOutOptions {
  webhooks: WebhookStore;
  jobs: Pick<JobQueue, 'enqueueJob'>;
  /** The pause as of now (effective status), for the event's `data`. */
  loadPause: (pauseId: string) => Promise<Pause | null>;
  /** The deliveries' retry schedule: an event is kept until its last retry, and a day more. */
  retryScheduleMs?: readonly number[];
  now?: () => number;
}

/**
 * Turns pause jobs into webhook deliveries: a pause job (created, ended, or an event a surface
 * reported) becomes one stored event (its body fixed once) and one `webhook.deliver` job per
 * subscribed, enabled endpoint.
 */
export class WebhookFanOut {
  private readonly retentionMs: number;
  private readonly now: () => number;

  constructor(private readonly options: FanOutOptions) {
    this.retentionMs = eventRetentionMs(options.retryScheduleMs);
    this.now = options.now ?? Date.now;
  }

  /** `pause.created`, queued with the pause's first jobs. */
  readonly onPauseCreated = async (job: Job<typeof JobKind.pauseCreated>): Promise<void> => {
    const pauseId = job.data.pause_id;
    await this.fanOut(pauseId, 'pause.created', `${pauseId}.created`, (pause) => pause.created_at);
  };

  /** `pause.ended`: decided (a policy's timeout decision too: status responded, channel policy), timed out or cancelled. */
  readonly onPauseEnded = async (job: Job<typeof JobKind.pauseEnded>): Promise<void> => {
    const pauseId = job.data.pause_id;
    const pause = await this.options.loadPause(pauseId);
    const type = pause ? endedEventType(pause) : undefined;
    if (!type) return;
    await this.fanOut(pauseId, type, `${pauseId}.${type.slice('pause.'.length)}`, (p) => p.ended_at, pause);
  };

  /** `webhook.event` jobs: an event a surface reported through `PauseEventOutbox.emit`. */
  readonly onReportedEvent = async (job: Job<typeof JobKind.webhookEvent>): Promise<void> => {
    const { pause_id: pauseId, type, detail } = job.data;
    const key = 'channel' in detail ? detail.channel : detail.step;
    await this.fanOut(
      pauseId,
      type,
      `${pauseId}.${type.slice('pause.'.length)}.${key}`,
      () => undefined,
      undefined,
      detail,
    );
  };

  /**
   * Stores the event (first writer wins: retries and every endpoint get the same body) and queues
   * one delivery per subscribed endpoint, then marks it fanned out. A crash in between fans out
   * again: queued deliveries are not duplicated (job ids), finished ones may be (at least once).
   * Returns how many deliveries it queued.
   */
  async fanOut(
    pauseId: string,
    type: WebhookEventType,
    eventId: string,
    occurredAt: (pause: Pause) => string | undefined,
    loaded?: Pause | null,
    detail?: Record<string, unknown>,
  ): Promise<number> {
    const { webhooks } = this.options;
    const endpoints = (await webhooks.listEndpoints()).filter((e) => e.enabled && e.events.includes(type));
    // Nobody listens: nothing is stored or queued (the common case without webhooks costs this one read).
    if (endpoints.length === 0) return 0;
    let event = await webhooks.getEvent(eventId);
    if (event?.fanned_out) return 0;
    if (!event) {
      const pause = loaded === undefined ? await this.options.loadPause(pauseId) : loaded;
      if (!pause) return 0;
      const timestamp = occurredAt(pause) ?? new Date(this.now()).toISOString();
      const data = detail ? { ...toView(pause), detail } : toView(pause);
      const body = JSON.stringify({ type, timestamp, data });
      event = await webhooks.saveEvent(
        { id: eventId, type, pause_id: pauseId, body, fanned_out: false },
        this.now() + this.retentionMs,
      );
      if (event.fanned_out) return 0;
    }
    const deliveries = endpoints.map((e) => ({ id: deliveryJobId(e.id, eventId), endpointId: e.id }));
    await webhooks.addPending(deliveries.map((d) => d.id));
    const runAt = this.now();
    for (const { id, endpointId } of deliveries) {
      const data = { pause_id: pauseId, endpoint_id: endpointId, event_id: eventId };
      await this.options.jobs.enqueueJob({ id, kind: JobKind.webhookDeliver, data, run_at: runAt });
    }
    await webhooks.markFannedOut(eventId);
    return deliveries.length;
  }
}

/** Which event a pause's end is; undefined while it is (still) pending. */
export function endedEventType(pause: Pick<Pause, 'status'>): WebhookEventType | undefined {
  switch (pause.status) {
    case 'responded':
      return 'pause.decided';
    case 'timed_out':
      return 'pause.timed_out';
    case 'cancelled':
      return 'pause.cancelled';
    default:
      return undefined;
  }
}
