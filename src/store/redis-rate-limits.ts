import type { RateLimitResult, RateLimits } from './ports/rate-limits.js';
import type { RedisContext } from './redis-connection.js';
import { rateLimitScript } from './scripts/rate-limit.js';

/** Fixed-window counters on Redis, shared by every replica: one key per subject and window, expiring after it. */
export class RedisRateLimits implements RateLimits {
  constructor(private readonly context: RedisContext) {}

  async hitRateLimit(subject: string, limit: number, windowMs: number, nowMs: number): Promise<RateLimitResult> {
    const window = Math.floor(nowMs / windowMs);
    const hits = await rateLimitScript.run(this.context, { subject, window, windowMs });
    return { allowed: hits <= limit, hits, retryAfterMs: Math.max(1, (window + 1) * windowMs - nowMs) };
  }
}
