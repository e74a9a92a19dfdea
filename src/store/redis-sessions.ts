import type { Redis } from 'ioredis';
import type { DashboardSession, DashboardSessions, SignInToken } from './ports/sessions.js';
import { type RedisKeys, redisSessionKeys } from './redis-keys.js';

/**
 * Dashboard links and sessions on Redis: each a string key that expires in Redis itself. A link is
 * taken with GETDEL (single use, atomic: two replicas racing on one link, one wins); a session is
 * read and its idle expiry pushed back with GETEX, one command.
 */
export class RedisSessionStore implements DashboardSessions {
  private readonly k: ReturnType<typeof redisSessionKeys>;

  constructor(
    private readonly redis: Redis,
    keys: RedisKeys,
  ) {
    this.k = redisSessionKeys(keys.base);
  }

  async putSignInToken(tokenHash: string, token: SignInToken, expiresAtMs: number): Promise<void> {
    await this.redis.set(this.k.signInToken(tokenHash), JSON.stringify(token), 'PXAT', Math.ceil(expiresAtMs));
  }

  async takeSignInToken(tokenHash: string, _nowMs: number): Promise<SignInToken | null> {
    const raw = await this.redis.getdel(this.k.signInToken(tokenHash));
    return parse<SignInToken>(raw, (v) => typeof v.email === 'string');
  }

  async putSession(idHash: string, session: DashboardSession, idleMs: number, _nowMs: number): Promise<void> {
    await this.redis.set(this.k.session(idHash), JSON.stringify(session), 'PX', Math.max(1, Math.ceil(idleMs)));
  }

  async touchSession(idHash: string, idleMs: number, _nowMs: number): Promise<DashboardSession | null> {
    const raw = await this.redis.getex(this.k.session(idHash), 'PX', Math.max(1, Math.ceil(idleMs)));
    return parse<DashboardSession>(
      raw,
      (v) => typeof v.email === 'string' && typeof v.csrf === 'string' && typeof v.created_at === 'number',
    );
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.redis.del(this.k.session(idHash));
  }
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
