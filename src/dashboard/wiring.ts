import type { Config } from '../config.js';
import type { ApiKeyAuth } from '../http/auth.js';
import type { DashboardSessions } from '../store/ports/sessions.js';
import type { Store } from '../store/store.js';
import type { PolicySource } from '../use-cases/policy-gate.js';
import { DashboardAccess } from './access.js';
import { SignInLinks } from './links.js';

/** What the dashboard needs beyond a surface's usual context; main builds it once, Slack's `/looppause login` shares its links. */
export interface DashboardWiring {
  store: Store;
  sessions: DashboardSessions;
  access: DashboardAccess;
  links: SignInLinks;
  /** So a key revoked on a page stops working on this replica at once. */
  auth: ApiKeyAuth;
  policy?: PolicySource;
}

export function dashboardWiring(
  config: Config,
  store: Store,
  sessions: DashboardSessions,
  auth: ApiKeyAuth,
  policy: PolicySource | undefined,
  now: () => number,
): DashboardWiring {
  const access = new DashboardAccess(config, policy);
  return {
    store,
    sessions,
    access,
    links: new SignInLinks(sessions, access, config, now),
    auth,
    ...(policy ? { policy } : {}),
  };
}
