import type { Deliveries, Pause } from '../domain/pause.js';
import type { SignedDecision } from '../domain/signing.js';
import type { StoredApiKey } from './ports/api-keys.js';
import type { AuditAnchor, AuditPage, AuditQuery, NewAuditEntry, StoredAuditEntry } from './ports/audit.js';
import type { DecisionToken } from './ports/decision-tokens.js';
import type { Job, NewJob } from './ports/jobs.js';
import type { PauseEvent, Watch } from './ports/pause-events.js';
import type {
  Ballot,
  ClaimOutcome,
  CreateResult,
  DeliveryAudit,
  EndResult,
  HistoryQuery,
  ListQuery,
  NewPause,
  Page,
  SweptPause,
  VoteResult,
  WaitingQuery,
} from './ports/pauses.js';
import type { RateLimitResult } from './ports/rate-limits.js';
import { RedisApiKeys } from './redis-api-keys.js';
import { RedisAuditLog } from './redis-audit.js';
import type { RedisClient } from './redis-clients.js';
import { RedisConnection, type RedisConnectionOptions, type RedisContext } from './redis-connection.js';
import { RedisDecisionTokens } from './redis-decision-tokens.js';
import { RedisJobs } from './redis-jobs.js';
import type { RedisKeys } from './redis-keys.js';
import { RedisPauses } from './redis-pauses.js';
import { RedisRateLimits } from './redis-rate-limits.js';
import type { Store } from './store.js';

export type RedisStoreOptions = RedisConnectionOptions;

/**
 * The production store: one adapter per port (redis-pauses.ts, redis-jobs.ts, redis-audit.ts, …)
 * on one shared connection (redis-connection.ts), put together as the `Store` callers and the
 * conformance suites know. Pause events come from the connection's subscriber.
 */
export class RedisStore implements Store {
  readonly kind = 'redis';
  /** The shared connection: what the adapters beside the store (tasks, webhooks, sessions) take. */
  readonly connection: RedisConnection;
  /** @deprecated Adapters take `connection`; kept until every caller does. */
  readonly redis: RedisClient;
  /** @deprecated Adapters take `connection`; kept until every caller does. */
  readonly keys: RedisKeys;
  private readonly pauses: RedisPauses;
  private readonly jobs: RedisJobs;
  private readonly audit: RedisAuditLog;
  private readonly apiKeys: RedisApiKeys;
  private readonly tokens: RedisDecisionTokens;
  private readonly rateLimits: RedisRateLimits;

  constructor(options: RedisStoreOptions) {
    this.connection = new RedisConnection(options);
    this.redis = this.connection.redis;
    this.keys = this.connection.keys;
    const context: RedisContext = this.connection;
    this.audit = new RedisAuditLog(context);
    this.pauses = new RedisPauses(context, this.audit);
    this.jobs = new RedisJobs(this.connection);
    this.apiKeys = new RedisApiKeys(context);
    this.tokens = new RedisDecisionTokens(context);
    this.rateLimits = new RedisRateLimits(context);
  }

  /** Resolves once the subscription is live; indexes pauses pending from before the waiting indexes, once. */
  async connect(): Promise<void> {
    await this.connection.connect();
    await this.pauses.indexWaiting();
  }

  // PauseStore (ports/pauses.ts): redis-pauses.ts

  createPause(input: NewPause): Promise<CreateResult> {
    return this.pauses.createPause(input);
  }
  getPause(pauseId: string): Promise<Pause | null> {
    return this.pauses.getPause(pauseId);
  }
  confirmReplicated(ended?: readonly Pause[]): Promise<void> {
    return this.pauses.confirmReplicated(ended);
  }
  endByPolicy(pauseId: string, response: SignedDecision, nowMs: number): Promise<EndResult> {
    return this.pauses.endByPolicy(pauseId, response, nowMs);
  }
  endAtDeadline(pauseId: string, response: SignedDecision, nowMs: number): Promise<EndResult> {
    return this.pauses.endAtDeadline(pauseId, response, nowMs);
  }
  castVote(pauseId: string, ballot: Ballot, nowMs: number): Promise<VoteResult> {
    return this.pauses.castVote(pauseId, ballot, nowMs);
  }

  claimApproval(pauseId: string, claimant: string): Promise<ClaimOutcome> {
    return this.pauses.claimApproval(pauseId, claimant);
  }
  cancel(pauseId: string, reason: string | undefined, nowMs: number, actor?: string): Promise<EndResult> {
    return this.pauses.cancel(pauseId, reason, nowMs, actor);
  }
  sweepExpired(nowMs: number, max: number): Promise<SweptPause[]> {
    return this.pauses.sweepExpired(nowMs, max);
  }
  listPauses(query: ListQuery): Promise<Page<Pause>> {
    return this.pauses.listPauses(query);
  }
  listAllPauses(query: HistoryQuery): Promise<Page<Pause>> {
    return this.pauses.listAllPauses(query);
  }
  listWaiting(query: WaitingQuery): Promise<Page<Pause>> {
    return this.pauses.listWaiting(query);
  }
  setDelivery<K extends keyof Deliveries>(
    pauseId: string,
    key: K,
    state: NonNullable<Deliveries[K]>,
    audit?: DeliveryAudit,
  ): Promise<void> {
    return this.pauses.setDelivery(pauseId, key, state, audit);
  }

  // AuditLog (ports/audit.ts): redis-audit.ts

  appendAudit(entry: NewAuditEntry, nowMs: number): Promise<void> {
    return this.audit.appendAudit(entry, nowMs);
  }
  sealAudit(max?: number): Promise<number> {
    return this.audit.sealAudit(max);
  }
  readAudit(query: AuditQuery): Promise<AuditPage> {
    return this.audit.readAudit(query);
  }
  pauseTimeline(pauseId: string): Promise<StoredAuditEntry[]> {
    return this.audit.pauseTimeline(pauseId);
  }
  auditAnchor(): Promise<AuditAnchor> {
    return this.audit.auditAnchor();
  }
  auditHead(): Promise<AuditAnchor> {
    return this.audit.auditHead();
  }
  trimAudit(beforeMs: number, max: number): Promise<number> {
    return this.audit.trimAudit(beforeMs, max);
  }

  // JobQueue (ports/jobs.ts): redis-jobs.ts

  enqueueJob(job: NewJob): Promise<boolean> {
    return this.jobs.enqueueJob(job);
  }
  claimDueJobs(nowMs: number, leaseMs: number, max: number): Promise<Job[]> {
    return this.jobs.claimDueJobs(nowMs, leaseMs, max);
  }
  completeJob(jobId: string): Promise<void> {
    return this.jobs.completeJob(jobId);
  }
  rescheduleJob(jobId: string, runAt: number): Promise<void> {
    return this.jobs.rescheduleJob(jobId, runAt);
  }
  nextWakeAt(): Promise<number | null> {
    return this.jobs.nextWakeAt();
  }
  onWake(listener: (atMs: number) => void): () => void {
    return this.jobs.onWake(listener);
  }

  // DecisionTokens (ports/decision-tokens.ts): redis-decision-tokens.ts

  putDecisionToken(tokenHash: string, token: DecisionToken, expiresAtMs: number): Promise<void> {
    return this.tokens.putDecisionToken(tokenHash, token, expiresAtMs);
  }
  getDecisionToken(tokenHash: string): Promise<DecisionToken | null> {
    return this.tokens.getDecisionToken(tokenHash);
  }

  // ApiKeys (ports/api-keys.ts): redis-api-keys.ts

  createApiKey(key: StoredApiKey): Promise<boolean> {
    return this.apiKeys.createApiKey(key);
  }
  findApiKey(hash: string): Promise<StoredApiKey | null> {
    return this.apiKeys.findApiKey(hash);
  }
  listApiKeys(): Promise<StoredApiKey[]> {
    return this.apiKeys.listApiKeys();
  }
  revokeApiKey(name: string): Promise<boolean> {
    return this.apiKeys.revokeApiKey(name);
  }

  // RateLimits (ports/rate-limits.ts): redis-rate-limits.ts

  hitRateLimit(subject: string, limit: number, windowMs: number, nowMs: number): Promise<RateLimitResult> {
    return this.rateLimits.hitRateLimit(subject, limit, windowMs, nowMs);
  }

  // PauseEvents (ports/pause-events.ts): the connection's subscriber feeds its watchers

  watch(pauseId: string): Watch {
    return this.connection.watchers.watch(pauseId);
  }
  onAnyChange(listener: (event: PauseEvent) => void): () => void {
    return this.connection.watchers.onAny(listener);
  }

  // StoreLifecycle (ports/lifecycle.ts)

  /**
   * Reads one of the deployment's keys rather than PING: on a Cluster a keyed command goes to the
   * primary of the deployment's slot, the one node whose outage matters (PING goes to any node).
   */
  async ping(): Promise<void> {
    await this.connection.redis.exists(this.connection.keys.waitingIndexed);
  }

  async close(): Promise<void> {
    await this.audit.close();
    await this.connection.close();
  }
}
