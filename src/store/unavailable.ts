import { LoopPauseError } from '../domain/errors.js';

const OUTAGE =
  /MaxRetriesPerRequest|Connection is closed|Stream isn't writeable|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|LOADING|READONLY/;

/** Redis connection failures become a clear, retryable 503 instead of an internal error. */
export function storeOutage(error: unknown): LoopPauseError | undefined {
  if (!(error instanceof Error)) return undefined;
  if (!OUTAGE.test(`${error.name} ${error.message}`)) return undefined;
  return new LoopPauseError(
    'unavailable',
    'the store is unreachable right now; nothing was changed, try again shortly',
  );
}
