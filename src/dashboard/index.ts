import type { SurfaceFactory } from '../surfaces.js';
import { maySee } from './access.js';
import { LiveEvents } from './live.js';
import { dashboardRouter } from './router.js';

/** `/dashboard`: always on; who may sign in comes from the policy or LOOPPAUSE_DASHBOARD_USERS. */
export const dashboardSurface: SurfaceFactory = ({ config, service, logger, dashboard, webhooks, mail }) => {
  const log = logger.child({ surface: 'dashboard' });
  // Each viewer hears only of pauses they may see, by the pages' own rule.
  const live = new LiveEvents(dashboard.store, {
    load: (pauseId) => service.get(pauseId),
    current: (viewer) => dashboard.access.viewer(viewer.email, viewer.slack),
    maySee: (pause, viewer) => maySee(pause, viewer, service.now()),
  });
  const router = dashboardRouter({
    ...dashboard,
    config,
    service,
    transport: mail,
    live,
    logger: log,
    // The webhook page manages endpoints with the same admin as /v1/webhooks.
    webhookAdmin: webhooks.admin,
  });
  return {
    name: 'dashboard',
    mounts: [{ path: '/dashboard', router }],
    stop: async () => live.close(),
  };
};
