import { JobKind } from '../jobs/job-kinds.js';
import type { SurfaceFactory } from '../surface.js';
import { WebhookAdmin } from './admin.js';
import { WebhookDispatcher } from './dispatcher.js';
import { webhooksRouter } from './routes.js';
import type { GuardOptions, Resolver } from './ssrf-guard.js';

export interface WebhookSurfaceOptions {
  /** Tests: a resolver that answers what they need (a name resolving to 10.x). */
  resolve?: Resolver;
  /** Tests: a short schedule, to reach the dead-letter list in seconds. */
  retryScheduleMs?: readonly number[];
  timeoutMs?: number;
  perEndpointConcurrency?: number;
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
 * Signed webhooks: always on. Handles the pause jobs that become events (created, ended,
 * reported by surfaces), the deliveries, and serves `/v1/webhooks` to admin keys.
 */
export function createWebhookSurface(options: WebhookSurfaceOptions = {}): SurfaceFactory {
  return ({ config, service, store, runner, logger, webhooks, metrics }) => {
    if (!webhooks) return undefined;
    const log = logger.child({ surface: 'webhooks' });
    const guard = guardOptions(config, options.resolve);
    const dispatcher = new WebhookDispatcher({
      webhooks,
      jobs: store,
      loadPause: (pauseId) => service.get(pauseId),
      guard,
      logger: log,
      metrics,
      now: service.now,
      ...(options.retryScheduleMs ? { retryScheduleMs: options.retryScheduleMs } : {}),
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.perEndpointConcurrency ? { perEndpointConcurrency: options.perEndpointConcurrency } : {}),
    });
    runner.on(JobKind.pauseCreated, dispatcher.onPauseCreated);
    runner.on(JobKind.pauseEnded, dispatcher.onPauseEnded);
    runner.on(JobKind.webhookEvent, dispatcher.onReportedEvent);
    runner.on(JobKind.webhookDeliver, dispatcher.onDeliver);
    if (metrics) {
      metrics.webhookQueue = { pending: () => webhooks.pendingCount(), deadLetters: () => webhooks.deadLetterCount() };
    }
    const admin = new WebhookAdmin({ webhooks, dispatcher, guard, now: service.now });
    return { name: 'webhooks', adminMounts: [{ path: '/v1/webhooks', router: webhooksRouter(admin) }] };
  };
}

export const webhookSurface: SurfaceFactory = createWebhookSurface();
