import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';

const TTL_MS = 10 * 60_000;
const MAX_ENTRIES = 5000;

/**
 * A Slack user's e-mail from users.info (needs users:read.email), and the user an e-mail belongs
 * to, cached for a few minutes. Undefined when the scope is missing or the user has none: the Slack
 * id is used instead.
 */
export class IdentityResolver {
  private readonly cache = new Map<string, { email: string | undefined; at: number }>();
  private readonly byEmail = new Map<string, { userId: string | undefined; at: number }>();

  constructor(
    private readonly client: WebClient,
    private readonly logger: Logger,
  ) {}

  async email(userId: string): Promise<string | undefined> {
    const hit = this.cache.get(userId);
    if (hit && Date.now() - hit.at < TTL_MS) return hit.email;
    let email: string | undefined;
    try {
      const result = await this.client.users.info({ user: userId });
      const value = result.user?.profile?.email;
      email = typeof value === 'string' && value.includes('@') ? value : undefined;
    } catch (error) {
      this.logger.debug({ err: (error as { code?: string }).code }, 'users.info failed; using the Slack id');
      return undefined;
    }
    if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
    this.cache.set(userId, { email, at: Date.now() });
    return email;
  }

  /**
   * The Slack user an e-mail belongs to (users.lookupByEmail, needs users:read.email), cached like
   * `email`. Undefined when nobody has it, the scope is missing or Slack did not answer.
   */
  async userIdFor(email: string): Promise<string | undefined> {
    const key = email.toLowerCase();
    const hit = this.byEmail.get(key);
    if (hit && Date.now() - hit.at < TTL_MS) return hit.userId;
    let userId: string | undefined;
    try {
      const result = await this.client.users.lookupByEmail({ email });
      userId = typeof result.user?.id === 'string' ? result.user.id : undefined;
    } catch (error) {
      const code = (error as { data?: { error?: string } }).data?.error;
      // Only "nobody has it" is an answer worth keeping; anything else may clear up.
      if (code !== 'users_not_found') {
        this.logger.debug({ err: code ?? (error as { code?: string }).code }, 'users.lookupByEmail failed');
        return undefined;
      }
    }
    if (this.byEmail.size >= MAX_ENTRIES) this.byEmail.clear();
    this.byEmail.set(key, { userId, at: Date.now() });
    return userId;
  }

  /** Every identity approvers are matched against: the Slack id, and the e-mail when known. */
  async identities(userId: string): Promise<{ ids: string[]; email: string | undefined }> {
    const email = await this.email(userId);
    return { ids: email ? [userId, email] : [userId], email };
  }
}
