import type { Logger } from 'pino';
import { errorSummary } from '../domain/errors.js';
import { type Pause, toView } from '../domain/pause.js';
import { JobKind } from '../jobs/job-kinds.js';
import { RetryJobAt } from '../jobs/job-runner.js';
import type { Metrics } from '../metrics.js';
import type { Job, JobQueue } from '../store/ports/jobs.js';
import type { WebhookEndpoint, WebhookEvent, WebhookEventType, WebhookStore } from '../store/ports/webhooks.js';
import { parseReportedEventJobId } from '../use-cases/pause-event-outbox.js';
import { postWebhook } from './post.js';
import { signedHeaders } from './signer.js';
import { type GuardOptions, UrlRefused, vetUrl } from './ssrf-guard.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * Waits before each retry: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (the Standard Webhooks /
 * Svix schedule, 27.6 h), then 10 h five more times so retries last about three days (77.6 h).
 * Thirteen attempts in all, then the delivery is dead-lettered.
 */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = [
  5 * SECOND,
  5 * MINUTE,
  30 * MINUTE,
  2 * HOUR,
  5 * HOUR,
  10 * HOUR,
  10 * HOUR,
  10 * HOUR,
  10 * HOUR,
  10 * HOUR,
  10 * HOUR,
  10 * HOUR,
];

export interface DispatcherOptions {
  webhooks: WebhookStore;
  jobs: Pick<JobQueue, 'enqueueJob'>;
  /** The pause as of now (effective status), for the event's `data`. */
  loadPause: (pauseId: string) => Promise<Pause | null>;
  guard: GuardOptions;
  logger: Logger;
  metrics?: Metrics | undefined;
  retryScheduleMs?: readonly number[];
  timeoutMs?: number;
  /** Attempts to one endpoint this replica makes at once; more wait their turn (without holding a job slot). */
  perEndpointConcurrency?: number;
  now?: () => number;
}

/** A delivery job: one event to one endpoint. The id alone says which, so fanning out again never duplicates a queued one. */
export const deliveryJobId = (endpointId: string, eventId: string) =>
  `${JobKind.webhookDeliver}:${endpointId}:${eventId}`;

export function parseDeliveryJobId(id: string): { endpointId: string; eventId: string } | undefined {
  const match = /^webhook\.deliver:([^:]+):(.+)$/.exec(id);
  return match?.[1] && match[2] ? { endpointId: match[1], eventId: match[2] } : undefined;
}

type Attempt = { kind: 'delivered' } | { kind: 'gone' } | { kind: 'failed'; error: string };

/**
 * Turns pause events into webhook deliveries. Fan-out: a pause job (created, ended, or an event a
 * surface reported) becomes one stored event (its body fixed once) and one delivery job per
 * subscribed, enabled endpoint. Delivery: one signed POST per attempt, its own retry schedule,
 * then the dead-letter list; a 410 disables the endpoint.
 */
export class WebhookDispatcher {
  private readonly schedule: readonly number[];
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private readonly slots: EndpointSlots;

  constructor(private readonly options: DispatcherOptions) {
    this.schedule = options.retryScheduleMs ?? DEFAULT_RETRY_SCHEDULE_MS;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.now = options.now ?? Date.now;
    this.slots = new EndpointSlots(options.perEndpointConcurrency ?? 8);
  }

  /** Events are kept past the last retry, with a day to spare. */
  private get retentionMs(): number {
    return this.schedule.reduce((a, b) => a + b, 0) + 24 * HOUR;
  }

  // --- fan-out ----------------------------------------------------------------------------------

  /** `pause.created`, queued with the pause's first jobs. */
  readonly onPauseCreated = async (job: Job): Promise<void> => {
    await this.fanOut(job.pause_id, 'pause.created', `${job.pause_id}.created`, (pause) => pause.created_at);
  };

  /** `pause.ended`: decided (a policy's timeout decision too: status responded, channel policy), timed out or cancelled. */
  readonly onPauseEnded = async (job: Job): Promise<void> => {
    const pause = await this.options.loadPause(job.pause_id);
    const type = pause ? endedEventType(pause) : undefined;
    if (!type) return;
    await this.fanOut(job.pause_id, type, `${job.pause_id}.${type.slice('pause.'.length)}`, (p) => p.ended_at, pause);
  };

  /** `webhook.event` jobs: an event a surface reported through `PauseEventOutbox.emit`. */
  readonly onReportedEvent = async (job: Job): Promise<void> => {
    const parsed = parseReportedEventJobId(job.id);
    if (!parsed) {
      this.options.logger.warn({ job: job.id }, 'webhook event job with an unreadable id, dropped');
      return;
    }
    const { type, pauseId, key, detail } = parsed;
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
    const ids = endpoints.map((e) => deliveryJobId(e.id, eventId));
    await webhooks.addPending(ids);
    const runAt = this.now();
    for (const id of ids) {
      await this.options.jobs.enqueueJob({ id, kind: JobKind.webhookDeliver, pause_id: pauseId, run_at: runAt });
    }
    await webhooks.markFannedOut(eventId);
    return ids.length;
  }

  // --- delivery ---------------------------------------------------------------------------------

  /** One attempt of a `webhook.deliver` job. Returns when the delivery is over; throws RetryJobAt otherwise. */
  readonly onDeliver = async (job: Job): Promise<void> => {
    const parsed = parseDeliveryJobId(job.id);
    if (!parsed) return;
    try {
      await this.deliver(job.id, parsed.endpointId, parsed.eventId);
    } catch (error) {
      if (error instanceof RetryJobAt) throw error;
      // The store failed us: try again soon, never through the runner's attempt limit.
      throw new RetryJobAt(this.now() + (this.schedule[0] ?? 5 * SECOND), errorSummary(error));
    }
  };

  private async deliver(deliveryId: string, endpointId: string, eventId: string): Promise<void> {
    const { webhooks, logger, metrics } = this.options;
    const endpoint = await webhooks.getEndpoint(endpointId);
    const event = endpoint ? await webhooks.getEvent(eventId) : null;
    if (!endpoint || !event) {
      // Removed endpoint, or an event past its retention: nothing left to send.
      await webhooks.settle(deliveryId);
      metrics?.webhookDeliveries.inc({ outcome: 'dropped' });
      logger.info(
        { delivery: deliveryId, endpoint: endpointId },
        endpoint ? 'webhook event expired, delivery dropped' : 'webhook endpoint removed, delivery dropped',
      );
      return;
    }
    if (!endpoint.enabled) {
      await this.deadLetter(
        deliveryId,
        endpoint,
        event,
        0,
        `endpoint disabled${endpoint.disabled_reason ? ` (${endpoint.disabled_reason})` : ''}`,
      );
      return;
    }
    // A slow endpoint holds at most `perEndpointConcurrency` of this replica's job slots. Another delivery to it
    // waits a moment for a slot (a fast endpoint frees one within milliseconds), then steps aside for
    // a second or two, so every other endpoint keeps being served.
    if (!(await this.slots.acquire(endpointId, SLOT_WAIT_MS))) {
      throw new RetryJobAt(this.now() + 1000 + Math.floor(Math.random() * 1000), 'endpoint busy on this replica');
    }
    let attempt: Attempt;
    try {
      attempt = await this.attempt(endpoint, event);
    } finally {
      this.slots.release(endpointId);
    }
    if (attempt.kind === 'delivered') {
      await webhooks.settle(deliveryId);
      metrics?.webhookDeliveries.inc({ outcome: 'delivered' });
      return;
    }
    if (attempt.kind === 'gone') {
      const reason = `HTTP 410 Gone at ${new Date(this.now()).toISOString()}`;
      await webhooks.updateEndpoint(endpointId, { enabled: false, disabled_reason: reason });
      logger.warn({ endpoint: endpointId }, 'webhook endpoint answered 410 Gone: disabled');
      metrics?.webhookDeliveries.inc({ outcome: 'gone' });
      await this.deadLetter(deliveryId, endpoint, event, 1, 'HTTP 410 Gone: endpoint disabled', false);
      return;
    }
    const failures = await webhooks.countFailure(deliveryId);
    const wait = this.schedule[failures - 1];
    if (wait === undefined) {
      await this.deadLetter(deliveryId, endpoint, event, failures, attempt.error);
      return;
    }
    metrics?.webhookDeliveries.inc({ outcome: 'retrying' });
    logger.info(
      { delivery: deliveryId, endpoint: endpointId, failures, retry_in_ms: wait, err: attempt.error },
      'webhook delivery failed, will retry',
    );
    throw new RetryJobAt(this.now() + wait, attempt.error);
  }

  private async attempt(endpoint: WebhookEndpoint, event: WebhookEvent): Promise<Attempt> {
    const started = performance.now();
    const observe = (result: string) =>
      this.options.metrics?.webhookAttemptDuration.observe({ result }, (performance.now() - started) / 1000);
    let target: Awaited<ReturnType<typeof vetUrl>>;
    try {
      // Every attempt resolves and checks again: DNS may have changed since registration.
      target = await vetUrl(endpoint.url, this.options.guard);
    } catch (error) {
      observe('refused');
      return {
        kind: 'failed',
        error: error instanceof UrlRefused ? `refused: URL ${error.message}` : errorSummary(error),
      };
    }
    const headers = signedHeaders(endpoint.secret, event.id, event.body, new Date(this.now()));
    const outcome = await postWebhook(target, headers, event.body, this.timeoutMs);
    if (outcome.kind === 'error') {
      observe(outcome.timedOut ? 'timeout' : 'error');
      return { kind: 'failed', error: outcome.error };
    }
    observe(`${Math.floor(outcome.status / 100)}xx`);
    if (outcome.status >= 200 && outcome.status < 300) return { kind: 'delivered' };
    if (outcome.status === 410) return { kind: 'gone' };
    return { kind: 'failed', error: `HTTP ${outcome.status}` };
  }

  private async deadLetter(
    deliveryId: string,
    endpoint: WebhookEndpoint,
    event: WebhookEvent,
    attempts: number,
    lastError: string,
    count = true,
  ): Promise<void> {
    const { webhooks, logger, metrics } = this.options;
    const { fanned_out: _, ...stored } = event;
    await webhooks.addDeadLetter({
      endpoint_id: endpoint.id,
      event: stored,
      failed_at: new Date(this.now()).toISOString(),
      attempts,
      last_error: lastError,
    });
    await webhooks.settle(deliveryId);
    if (count) metrics?.webhookDeliveries.inc({ outcome: 'dead_lettered' });
    metrics?.webhookDeadLettered.inc();
    logger.warn(
      { delivery: deliveryId, endpoint: endpoint.id, attempts, err: lastError },
      'webhook delivery dead-lettered',
    );
  }

  // --- redrive ----------------------------------------------------------------------------------

  /**
   * Queues the dead letters again (one endpoint's, or all), each with a fresh retry schedule and
   * its original body and `webhook-id`. Letters of a removed or disabled endpoint stay on the list.
   */
  async redrive(endpointId?: string): Promise<{ redriven: number; skipped: number }> {
    const { webhooks } = this.options;
    const endpoints = new Map((await webhooks.listEndpoints()).map((e) => [e.id, e]));
    let redriven = 0;
    let skipped = 0;
    for (const letter of await webhooks.listDeadLetters(endpointId)) {
      if (!endpoints.get(letter.endpoint_id)?.enabled) {
        skipped++;
        continue;
      }
      const nowMs = this.now();
      // The body may have expired with the event: store it again, as it was.
      await webhooks.saveEvent({ ...letter.event, fanned_out: true }, nowMs + this.retentionMs);
      const id = deliveryJobId(letter.endpoint_id, letter.event.id);
      await webhooks.settle(id);
      await webhooks.addPending([id]);
      await this.options.jobs.enqueueJob({
        id,
        kind: JobKind.webhookDeliver,
        pause_id: letter.event.pause_id,
        run_at: nowMs,
      });
      await webhooks.removeDeadLetter(letter.endpoint_id, letter.event.id);
      redriven++;
    }
    return { redriven, skipped };
  }
}

/** How long a delivery waits for a busy endpoint's slot before it steps aside. */
const SLOT_WAIT_MS = 250;

/** Attempts in flight per endpoint on this replica, at most `limit`; waiters are served in order. */
class EndpointSlots {
  private readonly busy = new Map<string, { count: number; waiters: Array<(ok: boolean) => void> }>();

  constructor(private readonly limit: number) {}

  acquire(endpointId: string, maxWaitMs: number): Promise<boolean> {
    let entry = this.busy.get(endpointId);
    if (!entry) {
      entry = { count: 0, waiters: [] };
      this.busy.set(endpointId, entry);
    }
    if (entry.count < this.limit) {
      entry.count++;
      return Promise.resolve(true);
    }
    const waiters = entry.waiters;
    return new Promise((resolve) => {
      const waiter = (ok: boolean) => {
        clearTimeout(timer);
        resolve(ok);
      };
      const timer = setTimeout(() => {
        const at = waiters.indexOf(waiter);
        if (at >= 0) waiters.splice(at, 1);
        resolve(false);
      }, maxWaitMs);
      waiters.push(waiter);
    });
  }

  /** The slot goes straight to the next waiter, if any. */
  release(endpointId: string): void {
    const entry = this.busy.get(endpointId);
    if (!entry) return;
    const next = entry.waiters.shift();
    if (next) {
      next(true);
      return;
    }
    entry.count--;
    if (entry.count <= 0) this.busy.delete(endpointId);
  }
}

/** Which event a pause's end is; undefined while it is (still) pending. */
export function endedEventType(pause: Pick<Pause, 'status'>): WebhookEventType | undefined {
  switch (pause.status) {
    case 'responded':
      return 'pause.decided';
    case 'timed_out':
      return 'pause.timed_out';
    case 'expired':
      return 'pause.cancelled';
    default:
      return undefined;
  }
}
