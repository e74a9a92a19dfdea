import { JobKind } from '../jobs/job-kinds.js';
import type { SurfaceFactory } from '../surface.js';
import { WebhookAdmin } from './admin.js';
import { type PostWebhook, WebhookDelivery } from './deliver.js';
import { DEFAULT_PER_ENDPOINT_CONCURRENCY, EndpointSlots } from './endpoint-slots.js';
import { WebhookFanOut } from './fan-out.js';
import { postWebhook } from './post.js';
import { webhooksRouter } from './routes.js';
import type { GuardOptions, Resolver } from './ssrf-guard.js';

export interface WebhookSurfaceOptions {
  /** Tests: a resolver that answers what they need (a name resolving to 10.x). */
  resolve?: Resolver;
  /** Tests: a short schedule, to reach the dead-letter list in seconds. */
  retryScheduleMs?: readonly number[];
  timeoutMs?: number;
  perEndpointConcurrency?: number;
  /** Tests: the HTTP attempt, instead of a real POST. */
  post?: PostWebhook;
}

/** Guard settings from config: private addresses only when allowed; https in production. */
export function guardOptions(config: { webhookAllowPrivate: boolean; env: string }, resolve?: Resolver): GuardOptions {
  return {
    allowPrivate: config.webhookAllowPrivate,
    requireHttps: config.env === 'production',
    ...(resolve ? { resolve } : {}),
  };
}

/**
 * Signed webhooks: always on. Fan-out turns the pause jobs (created, ended, reported by surfaces)
 * into events and delivery jobs; delivery makes the attempts; the admin serves `/v1/webhooks` to
 * admin keys.
 */
export function createWebhookSurface(options: WebhookSurfaceOptions = {}): SurfaceFactory {
  return ({ config, service, store, runner, logger, webhooks, metrics }) => {
    if (!webhooks) return undefined;
    const log = logger.child({ surface: 'webhooks' });
    const guard = guardOptions(config, options.resolve);
    const schedule = options.retryScheduleMs ? { retryScheduleMs: options.retryScheduleMs } : {};
    const fanOut = new WebhookFanOut({
      webhooks,
      jobs: store,
      loadPause: (pauseId) => service.get(pauseId),
      logger: log,
      now: service.now,
      ...schedule,
    });
    const delivery = new WebhookDelivery({
      webhooks,
      guard,
      post: options.post ?? postWebhook,
      slots: new EndpointSlots(options.perEndpointConcurrency || DEFAULT_PER_ENDPOINT_CONCURRENCY),
      logger: log,
      metrics,
      now: service.now,
      ...schedule,
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    });
    runner.on(JobKind.pauseCreated, fanOut.onPauseCreated);
    runner.on(JobKind.pauseEnded, fanOut.onPauseEnded);
    runner.on(JobKind.webhookEvent, fanOut.onReportedEvent);
    runner.on(JobKind.webhookDeliver, delivery.onDeliver);
    if (metrics) {
      metrics.webhookQueue = { pending: () => webhooks.pendingCount(), deadLetters: () => webhooks.deadLetterCount() };
    }
    const admin = new WebhookAdmin({ webhooks, jobs: store, guard, now: service.now, ...schedule });
    return { name: 'webhooks', adminMounts: [{ path: '/v1/webhooks', router: webhooksRouter(admin) }] };
  };
}

export const webhookSurface: SurfaceFactory = createWebhookSurface();
