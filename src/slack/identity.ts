import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import type { Link } from '../domain/approvals/identities.js';
import type { IdentityDirectory } from '../use-cases/identity-links.js';
import { neededScope, slackErrorSummary } from './errors.js';

const TTL_MS = 10 * 60_000;
const MAX_ENTRIES = 5000;

interface Entry {
  at: number;
  link: Promise<Link>;
}

/**
 * Who holds which identity in the workspace: a Slack user's profile e-mail (users.info) and the
 * user an e-mail belongs to (users.lookupByEmail), both needing users:read.email. Answers (found, or
 * nobody) are cached for a few minutes and concurrent lookups of one key share a call; a failure is
 * not cached, so the next vote asks again.
 */
export class IdentityResolver implements IdentityDirectory {
  private readonly byUser = new Map<string, Entry>();
  private readonly byEmail = new Map<string, Entry>();
  /** A missing scope is logged once, as a warning: it lasts until the app is reinstalled. */
  private scopeWarned = false;

  constructor(
    private readonly client: WebClient,
    private readonly logger: Logger,
  ) {}

  /** The profile e-mail of `userId`; `none` when the user has none or the scope hides it. */
  emailOf(userId: string): Promise<Link> {
    return this.cached(this.byUser, userId, async () => {
      try {
        const result = await this.client.users.info({ user: userId });
        const value = result.user?.profile?.email;
        return typeof value === 'string' && value.includes('@') ? { kind: 'found', value } : { kind: 'none' };
      } catch (error) {
        const code = this.lookupError(error);
        this.logger.debug({ err: code }, 'users.info failed; using the Slack id');
        return { kind: 'unknown', error: code };
      }
    });
  }

  /** The Slack user holding `email`; `none` for users_not_found, `unknown` for any other failure. */
  slackIdOf(email: string): Promise<Link> {
    return this.cached(this.byEmail, email.toLowerCase(), async () => {
      try {
        const result = await this.client.users.lookupByEmail({ email });
        const id = result.user?.id;
        return typeof id === 'string' && id !== '' ? { kind: 'found', value: id } : { kind: 'none' };
      } catch (error) {
        const code = this.lookupError(error);
        // Only "nobody has it" is an answer worth keeping; anything else may clear up.
        if (code === 'users_not_found') return { kind: 'none' };
        this.logger.debug({ err: code }, 'users.lookupByEmail failed');
        return { kind: 'unknown', error: code };
      }
    });
  }

  /** A Slack user's e-mail, undefined when it is not known (no scope, none, Slack did not answer). */
  async email(userId: string): Promise<string | undefined> {
    const link = await this.emailOf(userId);
    return link.kind === 'found' ? link.value : undefined;
  }

  /** The Slack user an e-mail belongs to; undefined when nobody has it or Slack did not answer. */
  async userIdFor(email: string): Promise<string | undefined> {
    const link = await this.slackIdOf(email);
    return link.kind === 'found' ? link.value : undefined;
  }

  /** What the Slack surface knows of a clicker: the Slack id, and the profile e-mail when known. */
  async identities(userId: string): Promise<{ ids: string[]; email: string | undefined }> {
    const email = await this.email(userId);
    return { ids: email ? [userId, email] : [userId], email };
  }

  private cached(map: Map<string, Entry>, key: string, read: () => Promise<Link>): Promise<Link> {
    const hit = map.get(key);
    if (hit && Date.now() - hit.at < TTL_MS) return hit.link;
    map.delete(key);
    const oldest = map.keys().next().value;
    if (map.size >= MAX_ENTRIES && oldest !== undefined) map.delete(oldest);
    const entry: Entry = { at: Date.now(), link: read() };
    map.set(key, entry);
    void entry.link.then((link) => {
      if (link.kind === 'unknown' && map.get(key) === entry) map.delete(key);
    });
    return entry.link;
  }

  /** lookupError, and a warning naming the scope and the reinstall the first time Slack lacks one. */
  private lookupError(error: unknown): string {
    if (neededScope(error) !== undefined && !this.scopeWarned) {
      this.scopeWarned = true;
      this.logger.warn({ err: slackErrorSummary(error) }, 'Slack cannot link users and e-mail addresses');
    }
    return lookupError(error);
  }
}

/** A short code for the voter and the log: Slack's error, `ratelimited`, `no_answer` (network, timeout). */
function lookupError(error: unknown): string {
  const e = (error ?? {}) as { code?: unknown; data?: { error?: unknown }; statusCode?: unknown };
  if (typeof e.data?.error === 'string') return e.data.error;
  if (e.code === 'slack_webapi_rate_limited_error') return 'ratelimited';
  if (e.code === 'slack_webapi_http_error' && typeof e.statusCode === 'number') return `http_${e.statusCode}`;
  if (e.code === 'slack_webapi_request_error') return 'no_answer';
  return 'unknown_error';
}
