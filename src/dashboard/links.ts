import type { Config } from '../config.js';
import { newSecretToken } from '../domain/ids.js';
import { SIGN_IN_LINK_PATH } from '../http/secret-paths.js';
import type { DashboardSessions } from '../store/ports/sessions.js';
import type { DashboardAccess } from './access.js';
import { secretHash } from './security.js';

/** How long a sign-in link works. */
export const LINK_TTL_MS = 15 * 60_000;

/**
 * One-time sign-in links: 256-bit tokens, stored as SHA-256 only, single use, 15 minutes. The
 * e-mail form sends one; `/looppause login` in Slack shows one privately. None at all when
 * LOOPPAUSE_OIDC_ONLY=true: then only the identity provider signs people in.
 */
export class SignInLinks {
  constructor(
    private readonly sessions: DashboardSessions,
    private readonly access: DashboardAccess,
    private readonly config: Pick<Config, 'publicUrl'> & Partial<Pick<Config, 'oidc'>>,
    private readonly now: () => number,
  ) {}

  /** The link for this human, or undefined when they may not sign in (nothing is stored then). */
  async issue(email: string, slack?: string): Promise<string | undefined> {
    if (this.config.oidc?.only) return undefined;
    const viewer = this.access.viewer(email, slack);
    if (!viewer) return undefined;
    const token = newSecretToken();
    await this.sessions.putSignInToken(
      secretHash(token),
      { email: viewer.email, ...(slack ? { slack } : {}) },
      this.now() + LINK_TTL_MS,
    );
    return `${this.config.publicUrl}${SIGN_IN_LINK_PATH}/${token}`;
  }
}
