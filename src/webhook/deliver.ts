import type { Logger } from 'pino';
import { errorSummary } from '../domain/errors.js';
import type { JobKind } from '../jobs/job-kinds.js';
import { RetryJobAt } from '../jobs/job-runner.js';
import type { Metrics } from '../metrics.js';
import type { Job } from '../store/ports/jobs.js';
import type { WebhookEndpoint, WebhookEvent, WebhookStore } from '../store/ports/webhooks.js';
import type { EndpointSlots } from './endpoint-slots.js';
import type { PostOutcome, PostTarget } from './post.js';
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

/** How long one attempt may take, answer included. */
export const DEFAULT_TIMEOUT_MS = 10_000;

/** Events are kept past the last retry, with a day to spare. */
export function eventRetentionMs(schedule: readonly number[] = DEFAULT_RETRY_SCHEDULE_MS): number {
  return schedule.reduce((a, b) => a + b, 0) + 24 * HOUR;
}

/** One HTTP attempt to a vetted address (`postWebhook` in production; a stub in tests). */
export type PostWebhook = (
  target: PostTarget,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
) => Promise<PostOutcome>;

export interface DeliveryOptions {
  webhooks: WebhookStore;
  guard: GuardOptions;
  post: PostWebhook;
  /** Shared by every delivery of this replica: caps the attempts in flight to one endpoint. */
  slots: EndpointSlots;
  logger: Logger;
  metrics?: Metrics | undefined;
  retryScheduleMs?: readonly number[];
  timeoutMs?: number;
  now?: () => number;
}

type Attempt = { kind: 'delivered' } | { kind: 'gone' } | { kind: 'failed'; error: string };

/**
 * `webhook.deliver` jobs: one signed POST per attempt, the retry schedule between attempts (the job
 * asks the runner to run it again, see RetryJobAt), then the dead-letter list. A 2xx ends the
 * delivery, a 410 disables the endpoint; any other answer, a timeout or a refused URL is a failure.
 */
export class WebhookDelivery {
  private readonly schedule: readonly number[];
  private readonly timeoutMs: number;
  private readonly now: () => number;

  constructor(private readonly options: DeliveryOptions) {
    this.schedule = options.retryScheduleMs ?? DEFAULT_RETRY_SCHEDULE_MS;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.now = options.now ?? Date.now;
  }

  /** One attempt of a `webhook.deliver` job. Returns when the delivery is over; throws RetryJobAt otherwise. */
  readonly onDeliver = async (job: Job<typeof JobKind.webhookDeliver>): Promise<void> => {
    try {
      await this.deliver(job.id, job.data.endpoint_id, job.data.event_id);
    } catch (error) {
      if (error instanceof RetryJobAt) throw error;
      // The store failed us: try again soon, never through the runner's attempt limit.
      throw new RetryJobAt(this.now() + (this.schedule[0] ?? 5 * SECOND), errorSummary(error));
    }
  };

  private async deliver(deliveryId: string, endpointId: string, eventId: string): Promise<void> {
    const { webhooks, logger, metrics, slots } = this.options;
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
    // A slow endpoint holds at most its share of this replica's job slots. Another delivery to it
    // waits a moment for a slot (a fast endpoint frees one within milliseconds), then steps aside for
    // a second or two, so every other endpoint keeps being served.
    if (!(await slots.acquire(endpointId))) {
      throw new RetryJobAt(this.now() + 1000 + Math.floor(Math.random() * 1000), 'endpoint busy on this replica');
    }
    let attempt: Attempt;
    try {
      attempt = await this.attempt(endpoint, event);
    } finally {
      slots.release(endpointId);
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
        error: error instanceof UrlRefused ? `URL refused: ${error.message}` : errorSummary(error),
      };
    }
    const headers = signedHeaders(endpoint.secret, event.id, event.body, new Date(this.now()));
    const outcome = await this.options.post(target, headers, event.body, this.timeoutMs);
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
}
