import type { Config } from '../config.js';
import type { ApiKeyAuth } from '../http/auth.js';
import { OidcSignIn } from '../sso/oidc.js';
import type { DashboardSessions } from '../store/ports/sessions.js';
import type { Store } from '../store/store.js';
import type { PolicySource } from '../use-cases/policy-gate.js';
import { DashboardAccess } from './access.js';
import { SignInLinks } from './links.js';
import { dashboardKey } from './security.js';

/** What the dashboard needs beyond a surface's usual context; main builds it once, Slack's `/looppause login` shares its links. */
export interface DashboardWiring {
  store: Store;
  sessions: DashboardSessions;
  access: DashboardAccess;
  links: SignInLinks;
  /** So a key revoked on a page stops working on this replica at once. */
  auth: ApiKeyAuth;
  policy?: PolicySource;
  /** Sign-in with the company's OpenID Connect provider, when LOOPPAUSE_OIDC_* is set. */
  oidc?: OidcSignIn;
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
    ...(config.oidc
      ? { oidc: new OidcSignIn(config.oidc, config.publicUrl, dashboardKey(config.signingSecret), sessions, now) }
      : {}),
  };
}
