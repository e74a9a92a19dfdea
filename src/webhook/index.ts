import type { Logger } from 'pino';
import { JobKind } from '../jobs/job-kinds.js';
import type { Metrics } from '../metrics.js';
import type { JobQueue } from '../store/ports/jobs.js';
import type { WebhookStore } from '../store/ports/webhooks.js';
import type { SurfaceFactory } from '../surfaces.js';
import type { ApprovalService } from '../use-cases/approval-service.js';
import { WebhookAdmin } from './admin.js';
import { type PostWebhook, WebhookDelivery } from './deliver.js';
import { DEFAULT_PER_ENDPOINT_CONCURRENCY, EndpointSlots } from './endpoint-slots.js';
import { WebhookFanOut } from './fan-out.js';
import { postWebhook } from './post.js';
import { webhooksRouter } from './routes.js';
import type { GuardOptions, Resolver } from './ssrf-guard.js';

/** Test seams: set through startService's `webhooks` option. */
export interface WebhookOptions {
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

/** Webhook fan-out, delivery and admin over one registry: built once by main, used by the surface and the dashboard. */
export interface Webhooks {
  store: WebhookStore;
  fanOut: WebhookFanOut;
  delivery: WebhookDelivery;
  admin: WebhookAdmin;
}

export interface WebhookDeps {
  config: { webhookAllowPrivate: boolean; env: string };
  webhooks: WebhookStore;
  /** Where fan-out and redrives queue delivery jobs. */
  jobs: Pick<JobQueue, 'enqueueJob'>;
  service: Pick<ApprovalService, 'get' | 'now'>;
  logger: Logger;
  metrics?: Metrics | undefined;
}

/**
 * Signed webhooks: fan-out turns the pause jobs (created, ended, reported by surfaces) into events
 * and delivery jobs; delivery makes the attempts; the admin manages endpoints and redrives.
 */
export function createWebhooks(deps: WebhookDeps, options: WebhookOptions = {}): Webhooks {
  const { webhooks, jobs, service, metrics } = deps;
  const log = deps.logger.child({ surface: 'webhooks' });
  const guard = guardOptions(deps.config, options.resolve);
  const schedule = options.retryScheduleMs ? { retryScheduleMs: options.retryScheduleMs } : {};
  return {
    store: webhooks,
    fanOut: new WebhookFanOut({
      webhooks,
      jobs,
      loadPause: (pauseId) => service.get(pauseId),
      now: service.now,
      ...schedule,
    }),
    delivery: new WebhookDelivery({
      webhooks,
      guard,
      post: options.post ?? postWebhook,
      slots: new EndpointSlots(options.perEndpointConcurrency || DEFAULT_PER_ENDPOINT_CONCURRENCY),
      logger: log,
      metrics,
      now: service.now,
      ...schedule,
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    }),
    admin: new WebhookAdmin({ webhooks, jobs, guard, now: service.now, ...schedule }),
  };
}

/** The webhook surface: always on. Runs the webhook jobs and serves `/v1/webhooks` to admin keys. */
export const webhookSurface: SurfaceFactory = ({ runner, webhooks }) => {
  runner.on(JobKind.pauseCreated, webhooks.fanOut.onPauseCreated);
  runner.on(JobKind.pauseEnded, webhooks.fanOut.onPauseEnded);
  runner.on(JobKind.webhookEvent, webhooks.fanOut.onReportedEvent);
  runner.on(JobKind.webhookDeliver, webhooks.delivery.onDeliver);
  return { name: 'webhooks', adminMounts: [{ path: '/v1/webhooks', router: webhooksRouter(webhooks.admin) }] };
};
