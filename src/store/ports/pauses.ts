import type { Vote } from '../../domain/approvals/index.js';
import type { HistoryFilter } from '../../domain/history.js';
import type { Deliveries, Pause } from '../../domain/pause.js';
import { MAX_TIMEOUT_HOURS } from '../../domain/schemas.js';
import type { SignedDecision } from '../../domain/signing.js';
import type { Decision, PauseState } from '../../domain/vocabulary.js';
import type { NewJob } from './jobs.js';

/** A pause the sweep ended: `timed_out`, or the decision a policy's `on_timeout` made. */
/**
 * A due pause the sweep ended (`timed_out`, or the decision an earlier version signed at creation),
 * or, `due_decision`, one left pending because its policy decides at the deadline: the runner signs
 * that decision and ends the pause with `endAtDeadline`.
 */
export interface SweptPause {
  pause_id: string;
  outcome: 'timed_out' | Decision | 'due_decision';
}

export interface NewPause {
  pause: Pause;
  /** Per agent: a repeat with the same `requestDigest` returns the first pause; another digest is a conflict. */
  idempotency?: { key: string; requestDigest: string };
  /** Enqueued atomically with the pause: nothing is half-written. */
  jobs: NewJob[];
  /**
   * Tool calls: per agent, a pending pause already holding `key` (the session, tool and input) is
   * returned instead (`existing`), so the same call asked twice is one question. Once that pause
   * is approved "for this session" (its response's `remember_until` still ahead) the answer is
   * `remembered`, with a `tool.remembered` audit entry on it written in the same step. Any other
   * ended pause frees the key. Checked after `idempotency`.
   */
  join?: { key: string; audit: { actor: string; data: Record<string, unknown> } };
}

/**
 * `existing`: the idempotency key already holds a pause for the same request. `conflict`: it holds
 * one for a different request. A key whose pause has been purged is free again.
 */
export type CreateResult =
  | { outcome: 'created'; pause: Pause }
  | { outcome: 'existing'; pause: Pause }
  | { outcome: 'remembered'; pause: Pause }
  | { outcome: 'conflict'; pauseId: string };

export type ClaimOutcome = 'claimed' | 'used' | 'not_approved';

/** `ended`: this call made the transition. `already_final`: another outcome won first. */
export type EndResult =
  | { outcome: 'ended'; pause: Pause }
  | { outcome: 'already_final'; pause: Pause }
  | { outcome: 'not_found' };

/** One human's vote, built against the votes the caller read. */
export interface Ballot {
  vote: Vote;
  /** How many votes the caller saw; if another vote landed since, the store answers `stale`: read again. */
  expectedVotes: number;
  /** The signed decision, when this vote closes the pause (a veto, or the approval that makes the quorum). */
  response?: SignedDecision;
}

/**
 * `counted`: the vote is recorded and the pause stays pending. `ended`: this vote closed it.
 * `already_voted`: one of the voter's identities has voted before; nothing changed.
 */
export type VoteResult =
  | { outcome: 'counted' | 'ended' | 'already_voted' | 'already_final'; pause: Pause }
  | { outcome: 'stale' }
  | { outcome: 'not_found' };

export interface ListQuery {
  agentId?: string;
  status?: PauseState;
  /** Only pauses that were sent to Slack (for /looppause). */
  slackOnly?: boolean;
  limit: number;
  cursor?: string;
}

/** The dashboard's history: every pause (newest first), filtered. Scans are bounded; a page may come back short with a cursor. */
export interface HistoryQuery extends HistoryFilter {
  limit: number;
  cursor?: string;
}

/** The dashboard's Waiting page: pending pauses by whom they wait on. */
export interface WaitingQuery {
  /** Decider keys, as `decidersOf` makes them: a human's `humanKey`, or `ANY_ADMIN`. */
  deciders: string[];
  limit: number;
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/**
 * Pauses and their one-way trip out of pending. Every transition out of pending also queues that
 * pause's `pause.ended` job, drops its reminder and escalation jobs, and tells the pause's
 * watchers, in the same atomic step. A pause past its deadline ends as timed out; with a
 * `timeout_response` (signed at creation by earlier versions) as responded with it; with a
 * `timeout_decision` it stays pending, refusing votes and endings, until `endAtDeadline`.
 */
export interface PauseStore {
  createPause(input: NewPause): Promise<CreateResult>;
  getPause(pauseId: string): Promise<Pause | null>;
  /**
   * Resolves once the store's replicas hold everything it had acknowledged when this was called,
   * whichever replica of LoopPause wrote it, and the primary they follow still holds each of
   * `ended` as it was read (its status and signed decision: a failover between the read and now
   * may have left the read on a server that is gone); rejects `unavailable` otherwise. A read
   * that is about to hand an agent an ended pause calls it first, so no agent acts on a decision a
   * failover could still take back. At once where nothing is replicated.
   */
  confirmReplicated(ended?: readonly Pause[]): Promise<void>;
  /** The policy ends it (a rule's `decide`): the pause ends with `response`, whatever votes it holds. */
  endByPolicy(pauseId: string, response: SignedDecision, nowMs: number): Promise<EndResult>;
  /**
   * The policy's decision at the deadline (`timeout_decision`), signed by the runner: ends the pause
   * as responded with it, dated the deadline, only if it is still pending, due and holds one.
   */
  endAtDeadline(pauseId: string, response: SignedDecision, nowMs: number): Promise<EndResult>;
  /**
   * A human votes: recorded, checked against earlier voters (any shared identity is the same human),
   * and, with `ballot.response`, the pause ends — one atomic step. A counted vote queues a
   * `pause.voted` job and tells watchers, as an ending does.
   */
  castVote(pauseId: string, ballot: Ballot, nowMs: number): Promise<VoteResult>;
  /**
   * Tool calls: `claimant` acts on the pause's approval — once. `claimed` when it is the first (or
   * the same claimant again), `used` when another acted on it, `not_approved` unless the pause
   * ended approved.
   */
  claimApproval(pauseId: string, claimant: string): Promise<ClaimOutcome>;
  /** `actor`: who cancels, for the audit log (`key:<name>`). */
  cancel(pauseId: string, reason: string | undefined, nowMs: number, actor?: string): Promise<EndResult>;
  /**
   * Ends due pending pauses, at most `max`: timed out, or the decision at the deadline an earlier
   * version signed; one holding an unsigned `timeout_decision` stays pending, returned as
   * `due_decision`. Returns each with how it ended. Also drops what retention let go.
   */
  sweepExpired(nowMs: number, max: number): Promise<SweptPause[]>;
  listPauses(query: ListQuery): Promise<Page<Pause>>;
  /** Every pause still retained, newest first, as the history filters say. */
  listAllPauses(query: HistoryQuery): Promise<Page<Pause>>;
  /**
   * Pending pauses that wait on any of `deciders` (`decidersOf`, indexed when the pause is created
   * and dropped in the step that ends it), newest first, each once, whatever else is pending.
   */
  listWaiting(query: WaitingQuery): Promise<Page<Pause>>;
  /**
   * Records how the delivery under `key` went (`slack`, `email`, `email_remind_0`, …: see
   * `Deliveries`). With `audit`, the record is also an audit entry (delivered, failed, reminded,
   * escalated), in the same step.
   */
  setDelivery<K extends keyof Deliveries>(
    pauseId: string,
    key: K,
    state: NonNullable<Deliveries[K]>,
    audit?: DeliveryAudit,
  ): Promise<void>;
}

/** The audit entry a delivery record makes. */
export interface DeliveryAudit {
  type: 'pause.delivered' | 'pause.delivery_failed' | 'pause.reminded' | 'pause.escalated';
  actor: string;
  data: Record<string, unknown>;
  atMs: number;
}

/** How long finished pauses (and their idempotency keys) are kept. */
export const RETENTION_MS = 7 * 24 * 3_600_000;

/** Nothing in a per-agent index older than this can still exist: the longest timeout plus retention. */
export const INDEX_HORIZON_MS = MAX_TIMEOUT_HOURS * 3_600_000 + RETENTION_MS;
