import { LoopPauseError } from '../domain/errors.js';

// One server restarting, a Sentinel failover (a demoted primary answers READONLY, no sentinel
// answers), or a Cluster re-electing a primary (CLUSTERDOWN, TRYAGAIN, redirections run out, or
// MOVED / ASK from a node a durable step was pinned to: the slot moved under it).
const OUTAGE =
  /MaxRetriesPerRequest|Connection is closed|Stream isn't writeable|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|LOADING|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|ClusterAllFailed|Failed to refresh slots cache|Too many Cluster redirections|None of startup nodes is available|Cluster isn't ready|All sentinels are unreachable|Command timed out|MOVED \d+ |ASK \d+ /;

/** Redis connection failures become a clear, retryable 503 instead of an internal error. */
export function storeOutage(error: unknown): LoopPauseError | undefined {
  if (!(error instanceof Error)) return undefined;
  if (!OUTAGE.test(`${error.name} ${error.message}`)) return undefined;
  return new LoopPauseError(
    'unavailable',
    'the store is unreachable right now; nothing was changed, try again shortly',
  );
}
