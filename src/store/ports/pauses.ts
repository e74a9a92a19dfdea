import type { Deliveries, Pause } from '../../domain/pause.js';
import { MAX_TIMEOUT_HOURS } from '../../domain/schemas.js';
import type { SignedDecision } from '../../domain/signing.js';
import type { PauseStatus } from '../../domain/vocabulary.js';
import type { NewJob } from './jobs.js';

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

/**
 * Pauses and their one-way trip out of pending. Every transition out of pending also queues that
 * pause's `pause.ended` job and tells the pause's watchers, in the same atomic step.
 */
export interface PauseStore {
  createPause(input: NewPause): Promise<CreateResult>;
  getPause(pauseId: string): Promise<Pause | null>;
  decide(pauseId: string, response: SignedDecision, nowMs: number): Promise<EndResult>;
  cancel(pauseId: string, reason: string | undefined, nowMs: number): Promise<EndResult>;
  /** Times out due pending pauses, at most `max`; returns their ids. Also drops what retention let go. */
  sweepExpired(nowMs: number, max: number): Promise<string[]>;
  listPauses(query: ListQuery): Promise<Page<Pause>>;
  setDelivery<K extends keyof Deliveries>(
    pauseId: string,
    channel: K,
    state: NonNullable<Deliveries[K]>,
  ): Promise<void>;
}

/** How long finished pauses (and their idempotency keys) are kept. */
export const RETENTION_MS = 7 * 24 * 3_600_000;

/** Nothing in a per-agent index older than this can still exist: the longest timeout plus retention. */
export const INDEX_HORIZON_MS = MAX_TIMEOUT_HOURS * 3_600_000 + RETENTION_MS;
