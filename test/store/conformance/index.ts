import type { Store } from '../../../src/store/store.js';
import { apiKeysConformance } from './api-keys.js';
import { auditConformance } from './audit.js';
import { deadlineDecisionConformance } from './deadline-decision.js';
import type { StoreFactory } from './factory.js';
import { jobQueueConformance } from './jobs.js';
import { lifecycleConformance } from './lifecycle.js';
import { pauseStoreConformance } from './pauses.js';
import { rateLimitsConformance } from './rate-limits.js';
import { decisionTokensConformance } from './tokens.js';
import { toolCallJoinConformance } from './tool-call-joins.js';
import { votesConformance } from './votes.js';
import { waitingConformance } from './waiting.js';
import { pauseEventsConformance } from './watch.js';

/** The whole Store contract: every port's suite. Each adapter runs this. */
export function storeConformance(factory: StoreFactory<Store>): void {
  pauseStoreConformance(factory);
  votesConformance(factory);
  deadlineDecisionConformance(factory);
  waitingConformance(factory);
  auditConformance(factory);
  jobQueueConformance(factory);
  pauseEventsConformance(factory);
  decisionTokensConformance(factory);
  apiKeysConformance(factory);
  rateLimitsConformance(factory);
  lifecycleConformance(factory);
  toolCallJoinConformance(factory);
}
