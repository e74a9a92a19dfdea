import express, { Router } from 'express';
import { CursorSeal } from './cursor-seal.js';
import type { DashboardDeps } from './deps.js';
import { pageErrors, sendMessage } from './pages.js';
import { registerRoutes } from './routes/index.js';
import { dashboardKey, securityHeaders } from './security.js';
import { sessionGuards } from './session.js';

export type { DashboardDeps } from './deps.js';

/** `/dashboard`: sign-in by one-time link, sessions in the store, the pages (routes/), live events. */
export function dashboardRouter(deps: DashboardDeps): Router {
  const key = dashboardKey(deps.config.signingSecret);
  const router = Router();
  router.use(securityHeaders);
  registerRoutes(router, {
    ...deps,
    key,
    cursors: new CursorSeal(key),
    form: express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 60 }),
    guards: sessionGuards(
      { ...deps, now: deps.service.now, delegations: () => deps.service.delegations() },
      sendMessage,
    ),
  });
  router.use((_req, res) => sendMessage(res, 404, 'Not found', 'There is no such dashboard page.'));
  router.use(pageErrors(deps.logger));
  return router;
}
