import type { Deliveries, Pause } from '../domain/pause.js';
import { MAX_TIMEOUT_HOURS } from '../domain/schemas.js';
import type { SignedDecision } from '../domain/signing.js';
import type { PauseStatus } from '../domain/vocabulary.js';

/** The port every surface talks to. Two adapters: memory (embedded default) and Redis. */

/** Work that must happen exactly once across replicas, e.g. posting to Slack or sending an e-mail. */
export interface Job {
  id: string;
  kind: string;
  pause_id: string;
  run_at: number;
  attempts: number;
}

export type NewJob = Omit<Job, 'attempts'>;

export interface NewPause {
  pause: Pause;
  /** Per agent: a repeat with the same `requestDigest` returns the first pause; another digest is a conflict. */
  idempotency?: { key: string; requestDigest: string };
  /** Enqueued atomically with the pause: nothing is half-written. */
  jobs: NewJob[];
}

/**
 * `existing`: the idempotency key already holds a pause for the same request. `conflict`: it holds
 * one for a different request. A key whose pause has been purged is free again.
 */
export type CreateResult =
  | { outcome: 'created'; pause: Pause }
  | { outcome: 'existing'; pause: Pause }
  | { outcome: 'conflict'; pauseId: string };

/** `ended`: this call made the transition. `already_final`: another outcome won first. */
export type EndResult =
  | { outcome: 'ended'; pause: Pause }
  | { outcome: 'already_final'; pause: Pause }
  | { outcome: 'not_found' };

export interface ListQuery {
  agentId?: string;
  status?: PauseStatus;
  /** Only pauses that were sent to Slack (for /looppause). */
  slackOnly?: boolean;
  limit: number;
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface StoredApiKey {
  name: string;
  /** sha256 hex of the key. The key itself is never stored. */
  hash: string;
  created_at: string;
}

export interface DecisionToken {
  pause_id: string;
  recipient: string;
}

export interface PauseEvent {
  pause_id: string;
  status: PauseStatus;
}

export interface Watch {
  /** Resolves when the pause changes, or after `timeoutMs`, or when aborted. */
  next(timeoutMs: number): Promise<void>;
  close(): void;
}

export interface RateLimitResult {
  allowed: boolean;
  /** Until the current window ends. */
  retryAfterMs: number;
}

export interface Store {
  readonly kind: 'memory' | 'redis';

  createPause(input: NewPause): Promise<CreateResult>;
  getPause(pauseId: string): Promise<Pause | null>;
  decide(pauseId: string, response: SignedDecision, nowMs: number): Promise<EndResult>;
  cancel(pauseId: string, reason: string | undefined, nowMs: number): Promise<EndResult>;
  /** Times out due pending pauses, at most `max`; returns their ids. Also drops what retention let go. */
  sweepExpired(nowMs: number, max: number): Promise<string[]>;
  /** The soonest time a job or a pending pause's deadline is due, or null: a job runner sleeps until then. */
  nextWakeAt(): Promise<number | null>;
  /** Calls `listener` with a due time whenever any replica schedules work: a new job, a new deadline. */
  onWake(listener: (atMs: number) => void): () => void;
  listPauses(query: ListQuery): Promise<Page<Pause>>;
  setDelivery<K extends keyof Deliveries>(
    pauseId: string,
    channel: K,
    state: NonNullable<Deliveries[K]>,
  ): Promise<void>;

  enqueueJob(job: NewJob): Promise<boolean>;
  /** Leases due jobs: a claimed job is invisible to other replicas until `leaseMs` passes. */
  claimDueJobs(nowMs: number, leaseMs: number, max: number): Promise<Job[]>;
  completeJob(jobId: string): Promise<void>;
  rescheduleJob(jobId: string, runAt: number): Promise<void>;

  putDecisionToken(tokenHash: string, token: DecisionToken, expiresAtMs: number): Promise<void>;
  getDecisionToken(tokenHash: string): Promise<DecisionToken | null>;

  createApiKey(key: StoredApiKey): Promise<boolean>;
  findApiKey(hash: string): Promise<StoredApiKey | null>;
  listApiKeys(): Promise<StoredApiKey[]>;
  revokeApiKey(name: string): Promise<boolean>;

  /** Counts a hit against `limit` per `windowMs` for `subject`, across replicas. */
  hitRateLimit(subject: string, limit: number, windowMs: number, nowMs: number): Promise<RateLimitResult>;

  /** Call before reading the pause, so no change can slip between the read and the wait. */
  watch(pauseId: string): Watch;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** How long finished pauses (and their idempotency keys) are kept. */
export const RETENTION_MS = 7 * 24 * 3_600_000;

/** Nothing in a per-agent index older than this can still exist: the longest timeout plus retention. */
export const INDEX_HORIZON_MS = MAX_TIMEOUT_HOURS * 3_600_000 + RETENTION_MS;
