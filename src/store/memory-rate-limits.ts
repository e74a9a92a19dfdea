import type { RateLimitResult, RateLimits } from './ports/rate-limits.js';

/** Fixed-window counters in memory: the current window's hits per subject. */
export class MemoryRateLimits implements RateLimits {
  private readonly windows = new Map<string, { window: number; hits: number }>();

  snapshot(): [string, { window: number; hits: number }][] {
    return [...this.windows].map(([subject, entry]) => [subject, { ...entry }]);
  }

  restore(windows: readonly [string, { window: number; hits: number }][]): void {
    this.windows.clear();
    for (const [subject, entry] of windows) this.windows.set(subject, { ...entry });
  }

  async hitRateLimit(subject: string, limit: number, windowMs: number, nowMs: number): Promise<RateLimitResult> {
    const window = Math.floor(nowMs / windowMs);
    const current = this.windows.get(subject);
    const entry = current?.window === window ? current : { window, hits: 0 };
    entry.hits += 1;
    this.windows.set(subject, entry);
    return {
      allowed: entry.hits <= limit,
      hits: entry.hits,
      retryAfterMs: Math.max(1, (window + 1) * windowMs - nowMs),
    };
  }
}
