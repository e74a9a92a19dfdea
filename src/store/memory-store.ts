import { decidersOf } from '../domain/approvals/index.js';
import { agentActor, cancelledData, createdData, decidedData, voteData } from '../domain/audit/events.js';
import { sha256Hex } from '../domain/hash.js';
import { matchesHistory } from '../domain/history.js';
import type { Deliveries, Pause } from '../domain/pause.js';
import { humanKey } from '../domain/policy/humans.js';
import type { SignedDecision } from '../domain/signing.js';
import type { PauseState } from '../domain/vocabulary.js';
import { JobKind, jobId, STEP_KINDS, votedJobId } from '../jobs/job-kinds.js';
import { CreationOrder } from './creation-order.js';
import { type CursorPosition, decodeCursor, encodeCursor, newestFirstUnion, pageOf } from './cursor.js';
import { DueIndex, type DueIndexState } from './due-index.js';
import { MemoryApiKeys } from './memory-api-keys.js';
import { MemoryAudit, type MemoryAuditState } from './memory-audit.js';
import { MemoryJobs } from './memory-jobs.js';
import { MemoryRateLimits } from './memory-rate-limits.js';
import type { StoredApiKey } from './ports/api-keys.js';
import type {
  AuditAnchor,
  AuditEventType,
  AuditPage,
  AuditQuery,
  NewAuditEntry,
  StoredAuditEntry,
} from './ports/audit.js';
import type { DecisionToken } from './ports/decision-tokens.js';
import type { Job, NewJob } from './ports/jobs.js';
import type { PauseEvent, Watch } from './ports/pause-events.js';
import {
  type Ballot,
  type ClaimOutcome,
  type CreateResult,
  type DeliveryAudit,
  type EndResult,
  type HistoryQuery,
  type ListQuery,
  type NewPause,
  type Page,
  RETENTION_MS,
  type SweptPause,
  type VoteResult,
  type WaitingQuery,
} from './ports/pauses.js';
import type { RateLimitResult } from './ports/rate-limits.js';
import type { Store } from './store.js';
import { Watchers } from './watchers.js';

/**
 * The embedded store: one process, in memory. Mirrors the Redis scripts' semantics exactly. Its
 * state round-trips through `snapshot()` / `restore()`, which development uses to keep it in a file
 * across restarts (memory-snapshot.ts).
 * Pauses, their audit entries, decision tokens and watchers live here, grouped below by port: a
 * pause's transitions queue its jobs and wake its watchers in the same step, as one Redis script
 * does. The job queue, API keys and rate limits are their own small classes (memory-jobs.ts,
 * memory-api-keys.ts, memory-rate-limits.ts), as on Redis.
 */
export class MemoryStore implements Store {
  readonly kind = 'memory';
  private readonly pauses = new Map<string, Pause>();
  private readonly idempotency = new Map<string, { pauseId: string; requestDigest: string }>();
  private readonly idempotencyKeyOf = new Map<string, string>();
  /** Tool calls: a join key (agent, session, tool, input) and the pause asking about it. */
  private readonly joins = new Map<string, string>();
  private readonly joinKeyOf = new Map<string, string>();
  private readonly jobs = new MemoryJobs();
  /** Per pause: its reminder and escalation jobs, dropped when it ends. */
  private readonly stepJobs = new Map<string, string[]>();
  private readonly tokens = new Map<string, { token: DecisionToken; expiresAtMs: number }>();
  // Everything time-driven is indexed by due time, so a sweep touches only what is due.
  private readonly expiries = new DueIndex<string>();
  private readonly purges = new DueIndex<string>();
  private readonly tokenExpiries = new DueIndex<string>();
  private readonly apiKeys = new MemoryApiKeys();
  private readonly rateLimits = new MemoryRateLimits();
  private readonly watchers = new Watchers();
  private readonly audit = new MemoryAudit();
  private readonly order = new CreationOrder();
  /** Pending pauses by whom they wait on (decidersOf). */
  private readonly waiting = new Map<string, CreationOrder>();

  // PauseStore (ports/pauses.ts)

  async createPause({ pause, idempotency, jobs, join }: NewPause): Promise<CreateResult> {
    const idempotencyKey = idempotency && `${pause.agent_id}\n${sha256Hex(idempotency.key)}`;
    const holdKey = (pauseId: string) => {
      if (!idempotency || idempotencyKey === undefined) return;
      this.idempotency.set(idempotencyKey, { pauseId, requestDigest: idempotency.requestDigest });
      this.idempotencyKeyOf.set(pauseId, idempotencyKey);
    };
    if (idempotency && idempotencyKey !== undefined) {
      const held = this.idempotency.get(idempotencyKey);
      const heldPause = held ? this.pauses.get(held.pauseId) : undefined;
      if (held && heldPause) {
        return held.requestDigest === idempotency.requestDigest
          ? { outcome: 'existing', pause: structuredClone(heldPause) }
          : { outcome: 'conflict', pauseId: held.pauseId };
      }
    }
    const createdMs = Date.parse(pause.created_at);
    if (join !== undefined) {
      const joinKey = `${pause.agent_id}\n${sha256Hex(join.key)}`;
      const joined = this.joins.get(joinKey);
      const joinedPause = joined === undefined ? undefined : this.pauses.get(joined);
      if (joinedPause?.status === 'pending' && Date.parse(joinedPause.expires_at) > createdMs) {
        holdKey(joinedPause.pause_id);
        return { outcome: 'existing', pause: structuredClone(joinedPause) };
      }
      const approved = joinedPause?.status === 'responded' && joinedPause.response?.decision === 'approved';
      const until = joinedPause?.response?.remember_until;
      if (joinedPause && approved && until !== undefined && until > pause.created_at) {
        this.audit.append('tool.remembered', joinedPause.pause_id, join.audit.actor, join.audit.data, createdMs);
        return { outcome: 'remembered', pause: structuredClone(joinedPause) };
      }
      // A session approval past its window is spent, claimed or not.
      if (joinedPause && approved && until === undefined && joinedPause.approval_claim === undefined) {
        holdKey(joinedPause.pause_id);
        return { outcome: 'existing', pause: structuredClone(joinedPause) };
      }
      this.joins.set(joinKey, pause.pause_id);
      this.joinKeyOf.set(pause.pause_id, joinKey);
    }
    holdKey(pause.pause_id);
    this.pauses.set(pause.pause_id, structuredClone(pause));
    this.order.add(Date.parse(pause.created_at), pause.pause_id);
    for (const decider of decidersOf(pause)) {
      let pending = this.waiting.get(decider);
      if (!pending) {
        pending = new CreationOrder();
        this.waiting.set(decider, pending);
      }
      pending.add(Date.parse(pause.created_at), pause.pause_id);
    }
    const expiresMs = Date.parse(pause.expires_at);
    this.expiries.set(pause.pause_id, expiresMs);
    for (const job of jobs) this.jobs.add(job);
    const steps = jobs.filter((job) => STEP_KINDS.has(job.kind)).map((job) => job.id);
    if (steps.length > 0) this.stepJobs.set(pause.pause_id, steps);
    this.audit.append('pause.created', pause.pause_id, agentActor(pause.agent_id), createdData(pause), createdMs);
    this.jobs.wake(expiresMs);
    this.watchers.notify({ pause_id: pause.pause_id, status: 'pending' });
    return { outcome: 'created', pause: structuredClone(pause) };
  }

  async getPause(pauseId: string): Promise<Pause | null> {
    const pause = this.pauses.get(pauseId);
    return pause ? structuredClone(pause) : null;
  }

  /** One process's memory has no replicas: everything acknowledged is already all there is. */
  async confirmReplicated(_ended?: readonly Pause[]): Promise<void> {}

  async endByPolicy(pauseId: string, response: SignedDecision, nowMs: number): Promise<EndResult> {
    const event = { actor: response.responder, data: decidedData(response) };
    return this.end(pauseId, nowMs, event, (pause) => {
      pause.status = 'responded';
      pause.response = structuredClone(response);
    });
  }

  async endAtDeadline(pauseId: string, response: SignedDecision, nowMs: number): Promise<EndResult> {
    const pause = this.pauses.get(pauseId);
    if (!pause) return { outcome: 'not_found' };
    if (pause.status !== 'pending' || !pause.timeout_decision || Date.parse(pause.expires_at) > nowMs) {
      return { outcome: 'already_final', pause: structuredClone(pause) };
    }
    pause.response = structuredClone(response);
    this.finish(pause, 'responded', pause.expires_at, nowMs, {
      actor: response.responder,
      data: { decision: response.decision, on_timeout: true },
    });
    return { outcome: 'ended', pause: structuredClone(pause) };
  }

  async castVote(pauseId: string, ballot: Ballot, nowMs: number): Promise<VoteResult> {
    const pause = this.pauses.get(pauseId);
    if (!pause) return { outcome: 'not_found' };
    this.timeOutIfDue(pause, nowMs);
    if (pause.status !== 'pending' || this.awaitsDeadlineDecision(pause, nowMs))
      return { outcome: 'already_final', pause: structuredClone(pause) };
    const votes = pause.votes ?? [];
    const voters = new Set(ballot.vote.voters.map(humanKey));
    if (votes.some((vote) => vote.voters.some((key) => voters.has(key)))) {
      return { outcome: 'already_voted', pause: structuredClone(pause) };
    }
    if (votes.length !== ballot.expectedVotes) return { outcome: 'stale' };
    pause.votes = [...votes, structuredClone(ballot.vote)];
    this.audit.append('pause.voted', pauseId, ballot.vote.responder, voteData(ballot.vote), nowMs);
    if (ballot.response) {
      pause.status = 'responded';
      pause.response = structuredClone(ballot.response);
      this.finish(pause, 'responded', new Date(nowMs).toISOString(), nowMs, {
        actor: ballot.vote.responder,
        data: decidedData(ballot.response),
      });
      return { outcome: 'ended', pause: structuredClone(pause) };
    }
    this.jobs.add({
      id: votedJobId(pauseId, pause.votes.length),
      kind: JobKind.pauseVoted,
      data: { pause_id: pauseId },
      run_at: nowMs,
    });
    this.watchers.notify({ pause_id: pauseId, status: 'pending' });
    return { outcome: 'counted', pause: structuredClone(pause) };
  }

  async cancel(pauseId: string, reason: string | undefined, nowMs: number, actor = 'system'): Promise<EndResult> {
    const event = { actor, data: cancelledData(reason) };
    return this.end(pauseId, nowMs, event, (pause) => {
      pause.status = 'cancelled';
      if (reason !== undefined) pause.cancel_reason = reason;
    });
  }

  async claimApproval(pauseId: string, claimant: string): Promise<ClaimOutcome> {
    const pause = this.pauses.get(pauseId);
    if (pause?.status !== 'responded' || pause.response?.decision !== 'approved') return 'not_approved';
    if (pause.approval_claim !== undefined && pause.approval_claim !== claimant) return 'used';
    pause.approval_claim = claimant;
    return 'claimed';
  }

  async sweepExpired(nowMs: number, max: number): Promise<SweptPause[]> {
    const ended: SweptPause[] = [];
    for (const pauseId of this.expiries.popDue(nowMs, max)) {
      const pause = this.pauses.get(pauseId);
      if (pause?.status !== 'pending') continue;
      this.timeOut(pause, nowMs);
      if (pause.status === 'pending') {
        // Still due: it leaves the index when the runner ends it with the signed decision.
        this.expiries.set(pauseId, Date.parse(pause.expires_at));
        ended.push({ pause_id: pauseId, outcome: 'due_decision' });
      } else ended.push({ pause_id: pauseId, outcome: pause.response?.decision ?? 'timed_out' });
    }
    // Same retention as Redis gives finished pauses, so a long-running dev server stays small.
    for (const pauseId of this.purges.popDue(nowMs)) {
      const purged = this.pauses.get(pauseId);
      if (purged) this.order.delete(Date.parse(purged.created_at), pauseId);
      this.pauses.delete(pauseId);
      this.audit.forget(pauseId);
      const key = this.idempotencyKeyOf.get(pauseId);
      if (key !== undefined && this.idempotency.get(key)?.pauseId === pauseId) this.idempotency.delete(key);
      this.idempotencyKeyOf.delete(pauseId);
      const joinKey = this.joinKeyOf.get(pauseId);
      if (joinKey !== undefined && this.joins.get(joinKey) === pauseId) this.joins.delete(joinKey);
      this.joinKeyOf.delete(pauseId);
    }
    for (const hash of this.tokenExpiries.popDue(nowMs)) this.tokens.delete(hash);
    return ended;
  }

  async listPauses(query: ListQuery): Promise<Page<Pause>> {
    return this.newestFirst(
      (p) =>
        (query.agentId === undefined || p.agent_id === query.agentId) &&
        (query.status === undefined || p.status === query.status) &&
        (!query.slackOnly || p.request.recipient_slack !== undefined),
      query,
    );
  }

  async listAllPauses(query: HistoryQuery): Promise<Page<Pause>> {
    return this.newestFirst((p) => matchesHistory(p, query), query);
  }

  async listWaiting(query: WaitingQuery): Promise<Page<Pause>> {
    const after = decodeCursor(query.cursor);
    // The first limit + 1 of each decider's list hold the first limit + 1 of their union.
    const tops = [...new Set(query.deciders)].map((decider) => {
      const top: CursorPosition[] = [];
      for (const position of this.waiting.get(decider)?.newestFirst(after) ?? []) {
        if (top.push(position) > query.limit) break;
      }
      return top;
    });
    const positions = newestFirstUnion(tops).slice(0, query.limit + 1);
    const items = positions.flatMap(({ id }) => {
      const pause = this.pauses.get(id);
      return pause ? [structuredClone(pause)] : [];
    });
    return pageOf(items, query.limit);
  }

  async setDelivery<K extends keyof Deliveries>(
    pauseId: string,
    key: K,
    state: NonNullable<Deliveries[K]>,
    audit?: DeliveryAudit,
  ): Promise<void> {
    const pause = this.pauses.get(pauseId);
    if (!pause) return;
    pause.delivery[key] = structuredClone(state);
    if (audit) this.audit.append(audit.type, pauseId, audit.actor, audit.data, audit.atMs);
  }

  // AuditLog (ports/audit.ts)

  async appendAudit(entry: NewAuditEntry, nowMs: number): Promise<void> {
    this.audit.append(entry.type, entry.pause_id, entry.actor, entry.data ?? {}, nowMs);
  }

  async sealAudit(): Promise<number> {
    return 0;
  }

  async readAudit(query: AuditQuery): Promise<AuditPage> {
    return this.audit.read(query);
  }

  async pauseTimeline(pauseId: string): Promise<StoredAuditEntry[]> {
    return this.audit.timeline(pauseId);
  }

  async auditAnchor(): Promise<AuditAnchor> {
    return this.audit.anchorNow();
  }

  async auditHead(): Promise<AuditAnchor> {
    return this.audit.headNow();
  }

  async trimAudit(beforeMs: number, max: number): Promise<number> {
    return this.audit.trim(beforeMs, max);
  }

  // JobQueue (ports/jobs.ts): memory-jobs.ts

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
  async nextWakeAt(): Promise<number | null> {
    const times = [this.expiries.peek(), this.jobs.nextDueAt()].filter((t): t is number => t !== undefined);
    return times.length > 0 ? Math.min(...times) : null;
  }
  onWake(listener: (atMs: number) => void): () => void {
    return this.jobs.onWake(listener);
  }

  // DecisionTokens (ports/decision-tokens.ts)

  async putDecisionToken(tokenHash: string, token: DecisionToken, expiresAtMs: number): Promise<void> {
    this.tokens.set(tokenHash, { token: { ...token }, expiresAtMs });
    this.tokenExpiries.set(tokenHash, expiresAtMs);
  }

  async getDecisionToken(tokenHash: string): Promise<DecisionToken | null> {
    const entry = this.tokens.get(tokenHash);
    if (!entry || entry.expiresAtMs <= Date.now()) return null;
    return { ...entry.token };
  }

  // ApiKeys (ports/api-keys.ts): memory-api-keys.ts

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

  // RateLimits (ports/rate-limits.ts): memory-rate-limits.ts

  hitRateLimit(subject: string, limit: number, windowMs: number, nowMs: number): Promise<RateLimitResult> {
    return this.rateLimits.hitRateLimit(subject, limit, windowMs, nowMs);
  }

  // PauseEvents (ports/pause-events.ts)

  watch(pauseId: string): Watch {
    return this.watchers.watch(pauseId);
  }

  onAnyChange(listener: (event: PauseEvent) => void): () => void {
    return this.watchers.onAny(listener);
  }

  // StoreLifecycle (ports/lifecycle.ts)

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.watchers.wakeAll();
  }

  // Snapshots (memory-snapshot.ts keeps a development store across restarts)

  /** Everything this store holds, as plain JSON-able data; watchers and wake listeners are not state. */
  snapshot(): MemoryStoreState {
    return structuredClone({
      pauses: [...this.pauses.values()],
      idempotency: [...this.idempotency],
      idempotencyKeyOf: [...this.idempotencyKeyOf],
      joins: [...this.joins],
      joinKeyOf: [...this.joinKeyOf],
      jobs: this.jobs.snapshot(),
      stepJobs: [...this.stepJobs],
      tokens: [...this.tokens],
      expiries: this.expiries.snapshot(),
      purges: this.purges.snapshot(),
      tokenExpiries: this.tokenExpiries.snapshot(),
      apiKeys: this.apiKeys.snapshot(),
      rateLimits: this.rateLimits.snapshot(),
      audit: this.audit.snapshot(),
      order: this.order.positions(),
      waiting: [...this.waiting].map(([decider, order]) => [decider, order.positions()]),
    } satisfies MemoryStoreState);
  }

  /** Loads a snapshot into a store that holds nothing yet (a fresh one). */
  restore(state: MemoryStoreState): void {
    const s = structuredClone(state);
    for (const pause of s.pauses) this.pauses.set(pause.pause_id, pause);
    for (const [key, held] of s.idempotency) this.idempotency.set(key, held);
    for (const [pauseId, key] of s.idempotencyKeyOf) this.idempotencyKeyOf.set(pauseId, key);
    for (const [key, pauseId] of s.joins ?? []) this.joins.set(key, pauseId);
    for (const [pauseId, key] of s.joinKeyOf ?? []) this.joinKeyOf.set(pauseId, key);
    this.jobs.restore(s.jobs);
    for (const [pauseId, ids] of s.stepJobs) this.stepJobs.set(pauseId, ids);
    for (const [hash, entry] of s.tokens) this.tokens.set(hash, entry);
    this.expiries.restore(s.expiries);
    this.purges.restore(s.purges);
    this.tokenExpiries.restore(s.tokenExpiries);
    this.apiKeys.restore(s.apiKeys);
    this.rateLimits.restore(s.rateLimits);
    this.audit.restore(s.audit);
    for (const { score, id } of s.order) this.order.add(score, id);
    for (const [decider, positions] of s.waiting) {
      const pending = new CreationOrder();
      for (const { score, id } of positions) pending.add(score, id);
      this.waiting.set(decider, pending);
    }
  }

  /** Pauses that pass `keep`, newest first, one page after the cursor (as the Redis indexes order them). */
  private newestFirst(keep: (pause: Pause) => boolean, query: { limit: number; cursor?: string }): Page<Pause> {
    const items: Pause[] = [];
    let more = false;
    for (const { id } of this.order.newestFirst(decodeCursor(query.cursor))) {
      const pause = this.pauses.get(id);
      if (!pause || !keep(pause)) continue;
      if (items.length === query.limit) {
        more = true;
        break;
      }
      items.push(pause);
    }
    const last = items.at(-1);
    return {
      items: items.map((p) => structuredClone(p)),
      next_cursor: more && last ? encodeCursor({ score: Date.parse(last.created_at), id: last.pause_id }) : null,
    };
  }

  private end(pauseId: string, nowMs: number, event: EndEvent, apply: (pause: Pause) => void): EndResult {
    const pause = this.pauses.get(pauseId);
    if (!pause) return { outcome: 'not_found' };
    this.timeOutIfDue(pause, nowMs);
    if (pause.status !== 'pending' || this.awaitsDeadlineDecision(pause, nowMs)) {
      return { outcome: 'already_final', pause: structuredClone(pause) };
    }
    apply(pause);
    this.finish(pause, pause.status, new Date(nowMs).toISOString(), nowMs, event);
    return { outcome: 'ended', pause: structuredClone(pause) };
  }

  private timeOutIfDue(pause: Pause, nowMs: number): void {
    if (pause.status === 'pending' && Date.parse(pause.expires_at) <= nowMs) this.timeOut(pause, nowMs);
  }

  /** Past its deadline, left pending for the runner to sign and end with its policy's decision. */
  private awaitsDeadlineDecision(pause: Pause, nowMs: number): boolean {
    return pause.status === 'pending' && Date.parse(pause.expires_at) <= nowMs;
  }

  /**
   * Timed out, or the policy's decision at the deadline an earlier version signed. One holding the
   * unsigned decision (`timeout_decision`) stays pending: the runner signs it and calls endAtDeadline.
   */
  private timeOut(pause: Pause, nowMs: number): void {
    const decided = pause.timeout_response;
    if (!decided && pause.timeout_decision) return;
    if (!decided) {
      this.finish(pause, 'timed_out', pause.expires_at, nowMs, { actor: 'system', data: {} });
      return;
    }
    pause.response = structuredClone(decided);
    this.finish(pause, 'responded', pause.expires_at, nowMs, {
      actor: decided.responder,
      data: { decision: decided.decision, on_timeout: true },
    });
  }

  /** Every way out of pending: its jobs, indexes, audit entry and watchers, in one step as on Redis. */
  private finish(pause: Pause, status: PauseState, endedAt: string, nowMs: number, event: EndEvent): void {
    pause.status = status;
    pause.ended_at = endedAt;
    this.audit.append(endEventType(status, event.actor), pause.pause_id, event.actor, event.data, nowMs);
    for (const jobId of this.stepJobs.get(pause.pause_id) ?? []) this.jobs.drop(jobId);
    this.stepJobs.delete(pause.pause_id);
    this.expiries.delete(pause.pause_id);
    for (const decider of decidersOf(pause)) {
      const pending = this.waiting.get(decider);
      pending?.delete(Date.parse(pause.created_at), pause.pause_id);
      if (pending?.isEmpty()) this.waiting.delete(decider);
    }
    this.purges.set(pause.pause_id, Date.parse(endedAt) + RETENTION_MS);
    this.jobs.add({
      id: jobId(JobKind.pauseEnded, pause.pause_id),
      kind: JobKind.pauseEnded,
      data: { pause_id: pause.pause_id },
      run_at: nowMs,
    });
    this.watchers.notify({ pause_id: pause.pause_id, status });
  }
}

/** MemoryStore's state as plain data: maps as [key, value] pairs, indexes as their entries. */
export interface MemoryStoreState {
  pauses: Pause[];
  idempotency: [string, { pauseId: string; requestDigest: string }][];
  idempotencyKeyOf: [string, string][];
  /** Absent in snapshots written before tool calls. */
  joins?: [string, string][];
  joinKeyOf?: [string, string][];
  jobs: { jobs: Job[]; queue: DueIndexState<string> };
  stepJobs: [string, string[]][];
  tokens: [string, { token: DecisionToken; expiresAtMs: number }][];
  expiries: DueIndexState<string>;
  purges: DueIndexState<string>;
  tokenExpiries: DueIndexState<string>;
  apiKeys: StoredApiKey[];
  rateLimits: [string, { window: number; hits: number }][];
  audit: MemoryAuditState;
  order: CursorPosition[];
  waiting: [string, CursorPosition[]][];
}

interface EndEvent {
  actor: string;
  data: Record<string, unknown>;
}

/** As lua/includes/end-pause.lua names the ending. */
function endEventType(status: PauseState, actor: string): AuditEventType {
  if (status === 'timed_out') return 'pause.timed_out';
  if (status === 'cancelled') return 'pause.cancelled';
  return actor.startsWith('policy:') ? 'pause.policy_decided' : 'pause.decided';
}
