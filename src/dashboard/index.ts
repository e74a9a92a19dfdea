import { createMailTransport, type MailTransport } from '../email/transport.js';
import type { SurfaceFactory } from '../surface.js';
import { WebhookAdmin } from '../webhook/admin.js';
import { guardOptions } from '../webhook/index.js';
import { maySee } from './access.js';
import { LiveEvents } from './live.js';
import { dashboardRouter } from './routes.js';

/** `/dashboard`: on whenever main wires it; who may sign in comes from the policy or LOOPPAUSE_DASHBOARD_USERS. */
function createDashboardSurface(options: { transport?: MailTransport } = {}): SurfaceFactory {
  return ({ config, service, logger, dashboard, webhooks }) => {
    if (!dashboard) return undefined;
    const log = logger.child({ surface: 'dashboard' });
    const transport = options.transport ?? createMailTransport(config.email, log);
    // Each viewer hears only of pauses they may see, by the pages' own rule.
    const live = new LiveEvents(dashboard.store, {
      load: (pauseId) => service.get(pauseId),
      current: (viewer) => dashboard.access.viewer(viewer.email, viewer.slack),
      maySee: (pause, viewer) => maySee(pause, viewer, service.now()),
    });
    // The webhook page manages endpoints with the webhook surface's own rules; a redrive queues
    // delivery jobs that the webhook surface runs.
    const webhookAdmin = webhooks
      ? new WebhookAdmin({ webhooks, jobs: dashboard.store, guard: guardOptions(config), now: service.now })
      : undefined;
    const router = dashboardRouter({
      ...dashboard,
      config,
      service,
      transport,
      live,
      logger: log,
      ...(webhookAdmin ? { webhookAdmin } : {}),
    });
    return {
      name: 'dashboard',
      mounts: [{ path: '/dashboard', router }],
      stop: async () => {
        live.close();
        transport.close();
      },
    };
  };
}

export const dashboardSurface: SurfaceFactory = createDashboardSurface();
