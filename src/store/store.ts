import type { ApiKeys } from './ports/api-keys.js';
import type { AuditLog } from './ports/audit.js';
import type { DecisionTokens } from './ports/decision-tokens.js';
import type { JobQueue } from './ports/jobs.js';
import type { StoreLifecycle } from './ports/lifecycle.js';
import type { PauseEvents } from './ports/pause-events.js';
import type { PauseStore } from './ports/pauses.js';
import type { RateLimits } from './ports/rate-limits.js';

/**
 * Everything the store does, as one type: what the two adapters (memory, the embedded default;
 * Redis) implement and what main wires up. Code that uses the store names the ports it needs
 * (src/store/ports/), not this.
 */
export type Store = StoreLifecycle &
  PauseStore &
  JobQueue &
  PauseEvents &
  DecisionTokens &
  ApiKeys &
  RateLimits &
  AuditLog;
