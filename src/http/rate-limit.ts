import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { errorSummary, LoopPauseError } from '../domain/errors.js';
import type { RateLimits } from '../store/ports/rate-limits.js';
import { sendError } from './errors.js';

const WINDOW_MS = 60_000;

/**
 * Per-API-key request limit kept in the store, so it holds across replicas. Runs after auth.
 * A store failure lets the request through: the request itself will report the outage.
 */
export function rateLimit(
  store: RateLimits,
  perMinute: number,
  logger: Logger,
  now: () => number = Date.now,
): RequestHandler {
  return async (_req, res, next) => {
    if (perMinute <= 0) {
      next();
      return;
    }
    try {
      const result = await store.hitRateLimit(`agent:${res.locals.agentId as string}`, perMinute, WINDOW_MS, now());
      if (!result.allowed) {
        res.setHeader('Retry-After', String(Math.ceil(result.retryAfterMs / 1000)));
        sendError(
          res,
          new LoopPauseError('rate_limited', `rate limit of ${perMinute} requests a minute reached; retry later`),
        );
        return;
      }
    } catch (error) {
      logger.warn({ err: errorSummary(error) }, 'rate limit check failed; allowing the request');
    }
    next();
  };
}
