export interface RateLimitResult {
  allowed: boolean;
  /** Hits counted for the subject in the current window, this one included. */
  hits: number;
  /** Until the current window ends. */
  retryAfterMs: number;
}

export interface RateLimits {
  /** Counts a hit against `limit` per `windowMs` for `subject`, across replicas, in fixed windows. */
  hitRateLimit(subject: string, limit: number, windowMs: number, nowMs: number): Promise<RateLimitResult>;
}
