import type { Router } from 'express';
import { CLIENT_JS } from '../client.js';
import type { RouteDeps } from '../deps.js';
import { signedOf } from '../session.js';

/** The pages' own script, and the event stream it refreshes them from (each viewer told only of what they may see). */
export function registerLive(router: Router, deps: RouteDeps): void {
  router.get('/app.js', (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.type('application/javascript').send(CLIENT_JS);
  });

  router.get('/events', deps.guards.requireSignIn, (req, res) => deps.live.stream(req, res, signedOf(res).viewer));
}
