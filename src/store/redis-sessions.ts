import { Redis } from 'ioredis';
import type { DashboardSession, DashboardSessions, SignInToken } from './ports/sessions.js';
import type { RedisClient } from './redis-clients.js';
import { legacyContext, type RedisContext } from './redis-connection.js';
import { type RedisKeys, redisSessionKeys } from './redis-keys.js';
import { sessionTouchScript } from './scripts/session-touch.js';

/**
 * Dashboard links and sessions on Redis: each a string key whose expiry is the deadline the caller's
 * clock gives (PXAT), so Redis drops it then by itself. Reads judge by the `nowMs` given, as the
 * memory store does: a key whose deadline is not after `nowMs` reads as absent even if Redis's own
 * clock has not reached it yet (PEXPIRETIME, Redis 7). A link is taken with GETDEL (single use,
 * atomic: two replicas racing on one link, one wins); a session is read and its idle expiry pushed
 * back in one script.
 */
export class RedisSessionStore implements DashboardSessions {
  private readonly context: RedisContext;
  private readonly redis: RedisClient;
  private readonly k: ReturnType<typeof redisSessionKeys>;

  constructor(context: RedisContext);
  /** @deprecated Pass the connection context (`RedisStore.connection`). */
  constructor(redis: Redis, keys: Pick<RedisKeys, 'base'>);
  constructor(first: RedisContext | Redis, keys?: Pick<RedisKeys, 'base'>) {
    this.context = first instanceof Redis ? legacyContext(first, keys as Pick<RedisKeys, 'base'>) : first;
    this.redis = this.context.redis;
    this.k = redisSessionKeys(this.context.keys.base);
  }

  async putSignInToken(tokenHash: string, token: SignInToken, expiresAtMs: number): Promise<void> {
    await this.redis.set(this.k.signInToken(tokenHash), JSON.stringify(token), 'PXAT', Math.ceil(expiresAtMs));
  }

  async takeSignInToken(tokenHash: string, nowMs: number): Promise<SignInToken | null> {
    const key = this.k.signInToken(tokenHash);
    const [expiry, taken] = (await this.redis.multi().pexpiretime(key).getdel(key).exec()) ?? [];
    if (expiry?.[0] || taken?.[0]) throw expiry?.[0] ?? taken?.[0];
    const expiresAtMs = expiry?.[1] as number;
    if (expiresAtMs >= 0 && expiresAtMs <= nowMs) return null;
    return parse<SignInToken>(taken?.[1] as string | null, (v) => typeof v.email === 'string');
  }

  async putSession(idHash: string, session: DashboardSession, idleMs: number, nowMs: number): Promise<void> {
    await this.redis.set(this.k.session(idHash), JSON.stringify(session), 'PXAT', idleDeadline(nowMs, idleMs));
  }

  async touchSession(idHash: string, idleMs: number, nowMs: number): Promise<DashboardSession | null> {
    const raw = await sessionTouchScript.run(this.context, {
      idHash,
      nowMs,
      expiresAtMs: idleDeadline(nowMs, idleMs),
    });
    return parse<DashboardSession>(
      raw,
      (v) => typeof v.email === 'string' && typeof v.csrf === 'string' && typeof v.created_at === 'number',
    );
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.redis.del(this.k.session(idHash));
  }
}

/** The memory store's `nowMs + idleMs`, in the whole milliseconds PXAT takes. */
function idleDeadline(nowMs: number, idleMs: number): number {
  return Math.ceil(nowMs + idleMs);
}

function parse<T>(raw: string | null, valid: (value: Record<string, unknown>) => boolean): T | null {
  if (raw === null) return null;
  try {
    const value = JSON.parse(raw) as unknown;
    return value !== null && typeof value === 'object' && valid(value as Record<string, unknown>) ? (value as T) : null;
  } catch {
    return null;
  }
}
