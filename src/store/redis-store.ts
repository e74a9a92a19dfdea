import { Redis, type RedisOptions } from 'ioredis';
import { decidersOf } from '../domain/approvals/index.js';
import { agentActor, cancelledData, createdData, decidedData, voteData } from '../domain/audit/events.js';
import { matchesHistory } from '../domain/history.js';
import type { Deliveries, Pause } from '../domain/pause.js';
import { actionDigest, type SignedDecision } from '../domain/signing.js';
import type { PauseStatus } from '../domain/vocabulary.js';
import { ENDED_JOB_ID_PREFIX, JobKind, STEP_KINDS, votedJobId } from '../jobs/job-kinds.js';
import { type CursorPosition, decodeCursor, encodeCursor, isAfter, newestFirstUnion } from './cursor.js';
import { decodeJob, encodeJob } from './job-codec.js';
import { ScriptRunner } from './lua-scripts.js';
import type { StoredApiKey } from './ports/api-keys.js';
import type { AuditAnchor, AuditPage, AuditQuery, NewAuditEntry, StoredAuditEntry } from './ports/audit.js';
import type { DecisionToken } from './ports/decision-tokens.js';
import type { Job, NewJob } from './ports/jobs.js';
import type { PauseEvent, Watch } from './ports/pause-events.js';
import {
  type Ballot,
  type CreateResult,
  type DeliveryAudit,
  type EndResult,
  type HistoryQuery,
  INDEX_HORIZON_MS,
  type ListQuery,
  type NewPause,
  type Page,
  RETENTION_MS,
  type SweptPause,
  type VoteResult,
  type WaitingQuery,
} from './ports/pauses.js';
import type { RateLimitResult } from './ports/rate-limits.js';
import { RedisAudit } from './redis-audit.js';
import { deciderHash, type RedisKeys, redisKeys } from './redis-keys.js';
import type { Store } from './store.js';
import { Watchers } from './watchers.js';

/** Entries sealed per round trip. */
const SEAL_BATCH = 500;
/** Pauses one history page may read before it answers with what it found and a cursor. */
const HISTORY_SCAN_LIMIT = 5_000;
/** Pending pauses put into the waiting indexes per round trip, once, after an upgrade. */
const WAITING_BACKFILL_BATCH = 500;

export interface RedisStoreOptions {
  url: string;
  /** Key prefix; also the hash tag that keeps every key in one Cluster slot. */
  prefix?: string;
  redisOptions?: RedisOptions;
}

/**
 * What `rec` holds: the immutable part of a pause, compact. The id is the key's and the digest is
 * recomputed from the request on read (both derivable), which keeps a pending pause under 2 KB.
 */
type PauseRecord = Pick<Pause, 'agent_id' | 'created_at' | 'expires_at' | 'request' | 'policy_rule' | 'plan'>;

/**
 * The production store: every port over one connection, plus a subscriber for pause events and
 * wake-ups from other replicas. Methods are grouped below by port. Pauses, their jobs and their
 * events share Lua scripts (lua/<name>-<numKeys>.lua), so each transition is one atomic step.
 */
export class RedisStore implements Store {
  readonly kind = 'redis';
  readonly keys: RedisKeys;
  readonly redis: Redis;
  private readonly subscriber: Redis;
  private readonly scripts: ScriptRunner;
  private readonly watchers = new Watchers();
  private readonly wakeListeners = new Set<(atMs: number) => void>();
  private readonly ready: Promise<unknown>;
  private readonly audit: RedisAudit;
  private sealing: Promise<void> | undefined;
  private sealAgain = false;
  private readonly sealTimer: NodeJS.Timeout;

  constructor(options: RedisStoreOptions) {
    this.keys = redisKeys(options.prefix ?? 'looppause');
    const redisOptions: RedisOptions = { maxRetriesPerRequest: 2, ...options.redisOptions };
    this.redis = new Redis(options.url, redisOptions);
    this.subscriber = new Redis(options.url, { ...redisOptions, maxRetriesPerRequest: null });
    // ioredis logs unhandled 'error' events to stderr; reconnects are its job, readiness reports outages.
    this.redis.on('error', () => {});
    this.subscriber.on('error', () => {});
    this.scripts = new ScriptRunner(this.redis);
    this.audit = new RedisAudit(this.redis, this.scripts, this.keys);
    // Entries are sealed right after the change that wrote them (sealSoon); this catches what a
    // replica that died in between left unsealed.
    this.sealTimer = setInterval(() => this.sealSoon(), 2_000).unref();
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.keys.wake) return this.notifyWake(Number(message));
      const [pauseId, status] = message.split(' ');
      if (!pauseId || !status) return;
      this.watchers.notify({ pause_id: pauseId, status: status as PauseStatus });
      // A pause that ended queued its pause.ended job, due now.
      this.notifyWake(Date.now());
    });
    this.ready = this.subscriber.subscribe(this.keys.events, this.keys.wake).catch(() => undefined);
  }

  /** Resolves once the wake-up subscription is live. */
  async connect(): Promise<void> {
    await this.ready;
    await this.redis.ping();
    await this.indexWaiting();
  }

  /**
   * Pauses pending since before the waiting indexes existed join them, once per deployment (any
   * replica may do it, more than one at a time is harmless): Waiting must not miss them.
   */
  private async indexWaiting(): Promise<void> {
    const k = this.keys;
    if ((await this.redis.exists(k.waitingIndexed)) === 1) return;
    const pending = await this.redis.zrange(k.expiry, '0', '-1');
    for (let i = 0; i < pending.length; i += WAITING_BACKFILL_BATCH) {
      const ids = pending.slice(i, i + WAITING_BACKFILL_BATCH);
      const reads = this.redis.pipeline();
      for (const id of ids) reads.hget(k.pause(id), 'rec');
      const records = (await reads.exec()) ?? [];
      await Promise.all(
        ids.map((id, n) => {
          const rec = records[n]?.[1];
          if (typeof rec !== 'string') return undefined;
          const record = JSON.parse(rec) as PauseRecord;
          const hashes = decidersOf(record).map(deciderHash).join(' ');
          return this.scripts.run('waiting-index', [k.pause(id)], [id, Date.parse(record.created_at), k.base, hashes]);
        }),
      );
    }
    await this.redis.set(k.waitingIndexed, '1');
  }

  // PauseStore (ports/pauses.ts)

  async createPause({ pause, idempotency, jobs }: NewPause): Promise<CreateResult> {
    const k = this.keys;
    const record: PauseRecord = {
      agent_id: pause.agent_id,
      created_at: pause.created_at,
      expires_at: pause.expires_at,
      request: pause.request,
      ...(pause.policy_rule === undefined ? {} : { policy_rule: pause.policy_rule }),
      ...(pause.plan === undefined ? {} : { plan: pause.plan }),
    };
    const expiresMs = Date.parse(pause.expires_at);
    const createdMs = Date.parse(pause.created_at);
    const jobArgs = jobs.flatMap((t) => [t.id, encodeJob(t), t.run_at]);
    const [outcome, pauseId] = await this.scripts.run<[number, string]>(
      'create',
      [
        k.pause(pause.pause_id),
        idempotency === undefined ? k.pause(pause.pause_id) : k.idempotency(pause.agent_id, idempotency.key),
        k.agentAll(pause.agent_id),
        k.agentPending(pause.agent_id),
        k.expiry,
        k.slackPending,
        k.jobQueue,
        k.jobData,
      ],
      [
        pause.pause_id,
        JSON.stringify(record),
        expiresMs,
        createdMs,
        idempotency?.requestDigest ?? '',
        expiresMs - createdMs + RETENTION_MS,
        pause.request.recipient_slack === undefined ? '0' : '1',
        k.pause(''),
        INDEX_HORIZON_MS,
        k.wake,
        pause.timeout_response ? JSON.stringify(pause.timeout_response) : '',
        jobs
          .filter((job) => STEP_KINDS.has(job.kind))
          .map((job) => job.id)
          .join(' '),
        k.base,
        agentActor(pause.agent_id),
        JSON.stringify(createdData(pause)),
        k.events,
        decidersOf(pause).map(deciderHash).join(' '),
        ...jobArgs,
      ],
    );
    this.sealSoon();
    if (outcome === 1) return { outcome: 'created', pause };
    if (outcome === 2) return { outcome: 'conflict', pauseId };
    const existing = await this.getPause(pauseId);
    // Purged between the script and this read: as good as a conflict-free retry of a gone pause.
    if (!existing) return this.createPause({ pause, jobs, ...(idempotency ? { idempotency } : {}) });
    return { outcome: 'existing', pause: existing };
  }

  async getPause(pauseId: string): Promise<Pause | null> {
    const hash = await this.redis.hgetall(this.keys.pause(pauseId));
    return fromHash(pauseId, hash);
  }

  decide(pauseId: string, response: SignedDecision, nowMs: number): Promise<EndResult> {
    return this.end(pauseId, nowMs, 'responded', 'resp', JSON.stringify(response), {
      actor: response.responder,
      data: decidedData(response),
    });
  }

  async castVote(pauseId: string, ballot: Ballot, nowMs: number): Promise<VoteResult> {
    const k = this.keys;
    const [outcome, ...flat] = await this.scripts.run<string[]>(
      'vote',
      [k.pause(pauseId), k.expiry, k.slackPending, k.jobQueue, k.jobData],
      [
        pauseId,
        nowMs,
        JSON.stringify(ballot.vote),
        ballot.expectedVotes,
        ballot.response ? JSON.stringify(ballot.response) : '',
        RETENTION_MS,
        k.events,
        k.wake,
        k.base,
        ballot.vote.responder,
        JSON.stringify(voteData(ballot.vote)),
        ballot.response ? JSON.stringify(decidedData(ballot.response)) : '{}',
        ENDED_JOB_ID_PREFIX,
        JobKind.pauseEnded,
        votedJobId(pauseId, ballot.expectedVotes + 1),
        encodeJob({ kind: JobKind.pauseVoted, data: { pause_id: pauseId } }),
        ...ballot.vote.voters,
      ],
    );
    this.sealSoon();
    if (outcome === 'stale' || outcome === 'not_found') return { outcome };
    const pause = fromHash(pauseId, pairs(flat));
    if (!pause) return { outcome: 'not_found' };
    return { outcome: outcome as 'counted' | 'ended' | 'already_voted' | 'already_final', pause };
  }

  cancel(pauseId: string, reason: string | undefined, nowMs: number, actor = 'system'): Promise<EndResult> {
    return this.end(pauseId, nowMs, 'expired', 'reason', reason ?? '', {
      actor,
      data: cancelledData(reason),
    });
  }

  async sweepExpired(nowMs: number, max: number): Promise<SweptPause[]> {
    const k = this.keys;
    // Flat pairs: id, then `timed_out` or the decision a policy's on_timeout made.
    const pairs = await this.scripts.run<string[]>(
      'sweep',
      [k.expiry, k.slackPending, k.jobQueue, k.jobData],
      [nowMs, max, RETENTION_MS, k.events, k.pause(''), k.base, ENDED_JOB_ID_PREFIX, JobKind.pauseEnded],
    );
    const ended: SweptPause[] = [];
    for (let i = 0; i + 1 < pairs.length; i += 2) {
      ended.push({ pause_id: pairs[i] as string, outcome: pairs[i + 1] as SweptPause['outcome'] });
    }
    if (ended.length > 0) this.sealSoon();
    return ended;
  }

  async listPauses(query: ListQuery): Promise<Page<Pause>> {
    const k = this.keys;
    const index =
      query.agentId === undefined
        ? query.slackOnly && (query.status === 'pending' || query.status === undefined)
          ? k.slackPending
          : undefined
        : query.status === 'pending'
          ? k.agentPending(query.agentId)
          : k.agentAll(query.agentId);
    if (!index) throw new Error('listPauses needs an agent or a Slack pending query');
    const items: Pause[] = [];
    let after = decodeCursor(query.cursor);
    let max = after ? String(after.score) : '+inf';
    const count = query.limit + 50;
    // Walk the index in batches, skipping records that no longer match or have been pruned.
    for (let round = 0; round < 20 && items.length <= query.limit; round++) {
      const { entries, read } = await this.indexBatch(index, max, '-inf', after, count);
      if (entries.length === 0) break;
      for (const e of entries) {
        after = { score: e.score, id: e.id };
        if (!e.pause || (query.status !== undefined && e.pause.status !== query.status)) continue;
        items.push(e.pause);
        if (items.length > query.limit) break;
      }
      max = String(after?.score);
      if (read < count) break;
    }
    const page = items.slice(0, query.limit);
    const last = page.at(-1);
    return {
      items: page,
      next_cursor:
        items.length > query.limit && last
          ? encodeCursor({ score: Date.parse(last.created_at), id: last.pause_id })
          : null,
    };
  }

  async listAllPauses(query: HistoryQuery): Promise<Page<Pause>> {
    const k = this.keys;
    const cursor = decodeCursor(query.cursor);
    const items: Pause[] = [];
    let max = cursor ? String(cursor.score) : query.toMs !== undefined ? `(${query.toMs}` : '+inf';
    const min = query.fromMs !== undefined ? String(query.fromMs) : '-inf';
    let last: CursorPosition | undefined = cursor;
    // A bounded scan: a page with rare matches comes back short, with a cursor to go on from.
    for (let scanned = 0; scanned < HISTORY_SCAN_LIMIT && items.length <= query.limit; ) {
      const { entries, read } = await this.indexBatch(k.allPauses, max, min, last, 200);
      if (read === 0) {
        last = undefined;
        break;
      }
      if (entries.length === 0) break;
      for (const e of entries) {
        scanned += 1;
        last = { score: e.score, id: e.id };
        if (e.pause && matchesHistory(e.pause, query)) items.push(e.pause);
        if (items.length > query.limit) break;
      }
      max = String(last?.score ?? max);
      if (read < 200) {
        if (items.length <= query.limit) last = undefined;
        break;
      }
    }
    const page = items.slice(0, query.limit);
    const end = items.length > query.limit ? page.at(-1) : undefined;
    const next = end ? { score: Date.parse(end.created_at), id: end.pause_id } : last;
    return { items: page, next_cursor: next ? encodeCursor(next) : null };
  }

  async listWaiting(query: WaitingQuery): Promise<Page<Pause>> {
    const indexes = [...new Set(query.deciders)].map((decider) => this.keys.waiting(decider));
    const items: Pause[] = [];
    let after = decodeCursor(query.cursor);
    let more = true;
    // Each round reads the next positions of the union of the indexes; an entry whose pause is no
    // longer pending (gone, or ended as this read raced it) leaves the indexes.
    for (let round = 0; round < 20 && more && items.length <= query.limit; round++) {
      const want = query.limit + 1 - items.length;
      // The first `want` of each index hold the first `want` of their union.
      const tops = await Promise.all(indexes.map((index) => this.newestAfter(index, after, want)));
      const positions = newestFirstUnion(tops).slice(0, want);
      more = positions.length === want;
      if (positions.length === 0) break;
      const pipeline = this.redis.pipeline();
      for (const p of positions) pipeline.hgetall(this.keys.pause(p.id));
      const results = (await pipeline.exec()) ?? [];
      const stale: string[] = [];
      positions.forEach((p, i) => {
        const pause = fromHash(p.id, (results[i]?.[1] ?? {}) as Record<string, string>);
        if (pause?.status === 'pending') items.push(pause);
        else stale.push(p.id);
      });
      if (stale.length > 0) await Promise.all(indexes.map((index) => this.redis.zrem(index, ...stale)));
      after = positions.at(-1);
    }
    const page = items.slice(0, query.limit);
    const last = page.at(-1);
    // Past the last shown when there is one more; where the reads stopped when they ran out of rounds.
    const next =
      items.length > query.limit && last
        ? { score: Date.parse(last.created_at), id: last.pause_id }
        : more
          ? after
          : undefined;
    return { items: page, next_cursor: next ? encodeCursor(next) : null };
  }

  /** Up to `count` positions of one index, newest first, past `after`. */
  private async newestAfter(
    index: string,
    after: CursorPosition | undefined,
    count: number,
  ): Promise<CursorPosition[]> {
    const found: CursorPosition[] = [];
    const batch = count + 16;
    for (let offset = 0; found.length < count; offset += batch) {
      const flat = await this.redis.zrevrangebyscore(
        index,
        after ? String(after.score) : '+inf',
        '-inf',
        'WITHSCORES',
        'LIMIT',
        offset,
        batch,
      );
      for (let i = 0; i < flat.length; i += 2) {
        const position = { id: flat[i] as string, score: Number(flat[i + 1]) };
        if (isAfter(position.score, position.id, after)) found.push(position);
      }
      if (flat.length / 2 < batch) break;
    }
    return found.slice(0, count);
  }

  /**
   * One batch of a pause index, newest first from `max` down to `min`, past `after`: each entry with
   * its pause, null for a pause that is gone (those leave the index). `read` counts the index
   * entries the batch held, so a caller knows when the index ran out.
   */
  private async indexBatch(
    index: string,
    max: string,
    min: string,
    after: CursorPosition | undefined,
    count: number,
  ): Promise<{ entries: (CursorPosition & { pause: Pause | null })[]; read: number }> {
    const flat = await this.redis.zrevrangebyscore(index, max, min, 'WITHSCORES', 'LIMIT', 0, count);
    const positions: CursorPosition[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      const position = { id: flat[i] as string, score: Number(flat[i + 1]) };
      if (isAfter(position.score, position.id, after)) positions.push(position);
    }
    if (positions.length === 0) return { entries: [], read: flat.length / 2 };
    const pipeline = this.redis.pipeline();
    for (const p of positions) pipeline.hgetall(this.keys.pause(p.id));
    const results = (await pipeline.exec()) ?? [];
    const entries = positions.map((p, i) => ({
      ...p,
      pause: fromHash(p.id, (results[i]?.[1] ?? {}) as Record<string, string>),
    }));
    const gone = entries.filter((e) => !e.pause).map((e) => e.id);
    if (gone.length > 0) await this.redis.zrem(index, ...gone);
    return { entries, read: flat.length / 2 };
  }

  async setDelivery<K extends keyof Deliveries>(
    pauseId: string,
    channel: K,
    state: NonNullable<Deliveries[K]>,
    audit?: DeliveryAudit,
  ): Promise<void> {
    const k = this.keys;
    await this.scripts.run(
      'set-delivery',
      [k.pause(pauseId)],
      [
        pauseId,
        `d:${channel}`,
        JSON.stringify(state),
        audit?.atMs ?? Date.now(),
        k.base,
        audit?.type ?? '',
        audit?.actor ?? '',
        JSON.stringify(audit?.data ?? {}),
      ],
    );
    if (audit) this.sealSoon();
  }

  // AuditLog (ports/audit.ts)

  async appendAudit(entry: NewAuditEntry, nowMs: number): Promise<void> {
    await this.audit.append(entry, nowMs);
    this.sealSoon();
  }

  /** The one sealing loop: batches until one comes back short (nothing left, or another replica sealed first). */
  async sealAudit(max = Number.MAX_SAFE_INTEGER): Promise<number> {
    let sealed = 0;
    while (sealed < max) {
      const want = Math.min(SEAL_BATCH, max - sealed);
      const batch = await this.audit.seal(want);
      sealed += batch;
      if (batch < want) break;
    }
    return sealed;
  }

  async readAudit(query: AuditQuery): Promise<AuditPage> {
    await this.sealPending();
    return this.audit.read(query);
  }

  async pauseTimeline(pauseId: string): Promise<StoredAuditEntry[]> {
    await this.sealPending();
    return this.audit.timeline(pauseId);
  }

  auditAnchor(): Promise<AuditAnchor> {
    return this.audit.anchor();
  }

  auditHead(): Promise<AuditAnchor> {
    return this.audit.head();
  }

  trimAudit(beforeMs: number, max: number): Promise<number> {
    return this.audit.trim(beforeMs, max);
  }

  // JobQueue (ports/jobs.ts)

  async enqueueJob(job: NewJob): Promise<boolean> {
    const k = this.keys;
    const added = await this.scripts.run<number>(
      'enqueue',
      [k.jobQueue, k.jobData],
      [job.id, encodeJob(job), job.run_at, k.wake],
    );
    return added === 1;
  }

  async claimDueJobs(nowMs: number, leaseMs: number, max: number): Promise<Job[]> {
    const k = this.keys;
    const flat = await this.scripts.run<(string | number)[]>(
      'claim',
      [k.jobQueue, k.jobData, k.jobAttempts],
      [nowMs, leaseMs, max],
    );
    const jobs: Job[] = [];
    for (let i = 0; i < flat.length; i += 3) {
      const id = String(flat[i]);
      const body = decodeJob(id, String(flat[i + 1]));
      // A body no version of LoopPause wrote cannot be run: drop it rather than strand the batch.
      if (!body) await this.completeJob(id);
      else jobs.push({ id, ...body, run_at: nowMs + leaseMs, attempts: Number(flat[i + 2]) } as Job);
    }
    return jobs;
  }

  async completeJob(jobId: string): Promise<void> {
    const k = this.keys;
    await this.redis.multi().zrem(k.jobQueue, jobId).hdel(k.jobData, jobId).hdel(k.jobAttempts, jobId).exec();
  }

  async rescheduleJob(jobId: string, runAt: number): Promise<void> {
    await this.redis.zadd(this.keys.jobQueue, 'XX', runAt, jobId);
  }

  async nextWakeAt(): Promise<number | null> {
    const k = this.keys;
    const [jobs, expiries] = await Promise.all([
      this.redis.zrange(k.jobQueue, '0', '0', 'WITHSCORES'),
      this.redis.zrange(k.expiry, '0', '0', 'WITHSCORES'),
    ]);
    const times = [jobs[1], expiries[1]].filter((t): t is string => t !== undefined).map(Number);
    return times.length > 0 ? Math.min(...times) : null;
  }

  onWake(listener: (atMs: number) => void): () => void {
    this.wakeListeners.add(listener);
    return () => this.wakeListeners.delete(listener);
  }

  // DecisionTokens (ports/decision-tokens.ts)

  async putDecisionToken(tokenHash: string, token: DecisionToken, expiresAtMs: number): Promise<void> {
    await this.redis.set(this.keys.decisionToken(tokenHash), JSON.stringify(token), 'PXAT', expiresAtMs);
  }

  async getDecisionToken(tokenHash: string): Promise<DecisionToken | null> {
    const raw = await this.redis.get(this.keys.decisionToken(tokenHash));
    return raw ? (JSON.parse(raw) as DecisionToken) : null;
  }

  // ApiKeys (ports/api-keys.ts)

  async createApiKey(key: StoredApiKey): Promise<boolean> {
    const k = this.keys;
    const stored = await this.scripts.run<number>(
      'create-api-key',
      [k.apiKeys, k.apiKeyNames],
      [key.name, key.hash, JSON.stringify(key)],
    );
    return stored === 1;
  }

  async findApiKey(hash: string): Promise<StoredApiKey | null> {
    const raw = await this.redis.hget(this.keys.apiKeys, hash);
    return raw ? (JSON.parse(raw) as StoredApiKey) : null;
  }

  async listApiKeys(): Promise<StoredApiKey[]> {
    const all = await this.redis.hvals(this.keys.apiKeys);
    return all.map((raw) => JSON.parse(raw) as StoredApiKey).sort((a, b) => a.name.localeCompare(b.name));
  }

  async revokeApiKey(name: string): Promise<boolean> {
    const k = this.keys;
    return (await this.scripts.run<number>('revoke-api-key', [k.apiKeys, k.apiKeyNames], [name])) === 1;
  }

  // RateLimits (ports/rate-limits.ts)

  async hitRateLimit(subject: string, limit: number, windowMs: number, nowMs: number): Promise<RateLimitResult> {
    const window = Math.floor(nowMs / windowMs);
    const hits = await this.scripts.run<number>('rate-limit', [this.keys.rateLimit(subject, window)], [windowMs]);
    return { allowed: hits <= limit, hits, retryAfterMs: Math.max(1, (window + 1) * windowMs - nowMs) };
  }

  // PauseEvents (ports/pause-events.ts)

  watch(pauseId: string): Watch {
    return this.watchers.watch(pauseId);
  }

  onAnyChange(listener: (event: PauseEvent) => void): () => void {
    return this.watchers.onAny(listener);
  }

  // StoreLifecycle (ports/lifecycle.ts)

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  async close(): Promise<void> {
    clearInterval(this.sealTimer);
    await this.sealing?.catch(() => undefined);
    this.watchers.wakeAll();
    await Promise.allSettled([this.subscriber.quit(), this.redis.quit()]);
  }

  /** Seals what this replica just wrote, one sealing at a time; a burst of changes shares a round. */
  private sealSoon(): void {
    if (this.sealing) {
      this.sealAgain = true;
      return;
    }
    this.sealing = (async () => {
      try {
        do {
          this.sealAgain = false;
          await this.sealAudit();
        } while (this.sealAgain);
      } catch {
        // Redis unreachable or another replica sealed first: the timer and the next change retry.
      } finally {
        this.sealing = undefined;
      }
    })();
  }

  /** Readers seal what is pending first; entries another replica is sealing at that moment may still read unsealed. */
  private async sealPending(): Promise<void> {
    await this.sealing;
    await this.sealAudit();
  }

  private notifyWake(atMs: number): void {
    if (Number.isFinite(atMs)) for (const listener of this.wakeListeners) listener(atMs);
  }

  private async end(
    pauseId: string,
    nowMs: number,
    status: PauseStatus,
    field: 'resp' | 'reason',
    value: string,
    event: { actor: string; data: Record<string, unknown> },
  ): Promise<EndResult> {
    const k = this.keys;
    const [outcome, ...flat] = await this.scripts.run<string[]>(
      'end',
      [k.pause(pauseId), k.expiry, k.slackPending, k.jobQueue, k.jobData],
      [
        pauseId,
        nowMs,
        status,
        field,
        value,
        RETENTION_MS,
        k.events,
        k.base,
        event.actor,
        JSON.stringify(event.data),
        ENDED_JOB_ID_PREFIX,
        JobKind.pauseEnded,
      ],
    );
    this.sealSoon();
    if (outcome === 'not_found') return { outcome };
    const pause = fromHash(pauseId, pairs(flat));
    if (!pause) return { outcome: 'not_found' };
    return { outcome: outcome === 'ended' ? 'ended' : 'already_final', pause };
  }
}

/** A flat HGETALL reply (field, value, …) as an object. */
function pairs(flat: string[]): Record<string, string> {
  const hash: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) hash[flat[i] as string] = flat[i + 1] as string;
  return hash;
}

function fromHash(pauseId: string, hash: Record<string, string>): Pause | null {
  if (!hash.rec || !hash.status) return null;
  const { agent_id, created_at, expires_at, request, policy_rule, plan } = JSON.parse(hash.rec) as PauseRecord;
  const pause: Pause = {
    pause_id: pauseId,
    agent_id,
    status: hash.status as PauseStatus,
    created_at,
    expires_at,
    request,
    action_digest: actionDigest(request),
    delivery: {},
  };
  if (policy_rule !== undefined) pause.policy_rule = policy_rule;
  if (plan !== undefined) pause.plan = plan;
  if (hash.votes) pause.votes = JSON.parse(hash.votes);
  if (hash.tresp) pause.timeout_response = JSON.parse(hash.tresp);
  if (hash.resp) pause.response = JSON.parse(hash.resp);
  if (hash.reason) pause.cancel_reason = hash.reason;
  if (pause.status === 'timed_out') pause.ended_at = pause.expires_at;
  else if (hash.ended_ms) pause.ended_at = new Date(Number(hash.ended_ms)).toISOString();
  for (const [field, value] of Object.entries(hash)) {
    if (field.startsWith('d:')) (pause.delivery as Record<string, unknown>)[field.slice(2)] = JSON.parse(value);
  }
  return pause;
}
