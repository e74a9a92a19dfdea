import type { Router } from 'express';
import type { RouteDeps } from '../deps.js';
import { registerAway } from './away.js';
import { registerHistory } from './history.js';
import { registerKeys } from './keys.js';
import { registerLive } from './live.js';
import { registerOidc } from './oidc.js';
import { registerPauses } from './pauses.js';
import { registerPolicy } from './policy.js';
import { registerSignIn } from './sign-in.js';
import { registerWaiting } from './waiting.js';
import { registerWebhooks } from './webhooks.js';

/** Every dashboard page group, one file each; a new page is a new file and a line here. */
export function registerRoutes(router: Router, deps: RouteDeps): void {
  registerLive(router, deps);
  registerSignIn(router, deps);
  registerOidc(router, deps);
  registerWaiting(router, deps);
  registerPauses(router, deps);
  registerHistory(router, deps);
  registerAway(router, deps);
  registerKeys(router, deps);
  registerPolicy(router, deps);
  registerWebhooks(router, deps);
}
