import { createMailTransport, type MailTransport } from '../email/transport.js';
import type { SurfaceFactory } from '../surface.js';
import { LiveEvents } from './live.js';
import { dashboardRouter } from './routes.js';

/** `/dashboard` (SPEC §10): on whenever main wires it; who may sign in comes from the policy or LOOPPAUSE_DASHBOARD_USERS. */
export function createDashboardSurface(options: { transport?: MailTransport } = {}): SurfaceFactory {
  return ({ config, service, logger, dashboard }) => {
    if (!dashboard) return undefined;
    const log = logger.child({ surface: 'dashboard' });
    const transport = options.transport ?? createMailTransport(config.email, log);
    const live = new LiveEvents(dashboard.store);
    const router = dashboardRouter({ ...dashboard, config, service, transport, live, logger: log });
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
