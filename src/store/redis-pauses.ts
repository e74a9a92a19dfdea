import { decidersOf } from '../domain/approvals/index.js';
import { cancelledData, decidedData } from '../domain/audit/events.js';
import { matchesHistory } from '../domain/history.js';
import type { Deliveries, Pause } from '../domain/pause.js';
import type { SignedDecision } from '../domain/signing.js';
import { type CursorPosition, decodeCursor, encodeCursor, isAfter, newestFirstUnion, pageOf } from './cursor.js';
import { type PauseRecord, pauseFromHash } from './pause-codec.js';
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
  PauseStore,
  SweptPause,
  VoteResult,
  WaitingQuery,
} from './ports/pauses.js';
import type { RedisAuditLog } from './redis-audit.js';
import type { RedisContext } from './redis-connection.js';
import { deciderHash, type RedisKeys } from './redis-keys.js';
import { ReplicaBarrier, unconfirmed, wantsReplicas } from './replica-barrier.js';
import { claimApprovalScript } from './scripts/claim-approval.js';
import { createScript } from './scripts/create.js';
import { type EndInput, endScript } from './scripts/end.js';
import { endAtDeadlineScript } from './scripts/end-at-deadline.js';
import { setDeliveryScript } from './scripts/set-delivery.js';
import { sweepScript } from './scripts/sweep.js';
import { voteScript } from './scripts/vote.js';
import { waitingIndexScript } from './scripts/waiting-index.js';

/** Pauses one history page may read before it answers with what it found and a cursor. */
const HISTORY_SCAN_LIMIT = 5_000;
/** Pending pauses put into the waiting indexes per round trip, once, after an upgrade. */
const WAITING_BACKFILL_BATCH = 500;

/**
 * Pauses on Redis (pause-codec.ts says how one is kept). Every transition is one Lua script
 * (lua/<name>-<numKeys>.lua) that also moves the pause's indexes, queues its jobs, appends its
 * audit entry and publishes its event, so each is one atomic step; entries are sealed right after.
 */
export class RedisPauses implements PauseStore {
  private readonly redis: RedisContext['redis'];
  private readonly keys: RedisKeys;
  private readonly barrier: ReplicaBarrier;

  constructor(
    private readonly context: RedisContext,
    private readonly audit: Pick<RedisAuditLog, 'sealSoon'>,
  ) {
    this.redis = context.redis;
    this.keys = context.keys;
    this.barrier = new ReplicaBarrier(context);
  }

  /**
   * Pauses pending since before the waiting indexes existed join them, once per deployment (any
   * replica may do it, more than one at a time is harmless): Waiting must not miss them.
   */
  async indexWaiting(): Promise<void> {
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
          return waitingIndexScript.run(this.context, {
            pauseId: id,
            createdMs: Date.parse(record.created_at),
            deciderHashes: decidersOf(record).map(deciderHash),
          });
        }),
      );
    }
    await this.redis.set(k.waitingIndexed, '1');
  }

  async createPause(input: NewPause): Promise<CreateResult> {
    const { outcome, pauseId } = await createScript.run(this.context, input);
    this.audit.sealSoon();
    if (outcome === 'created') return { outcome, pause: input.pause };
    if (outcome === 'conflict') return { outcome, pauseId };
    const existing = await this.getPause(pauseId);
    // Purged between the script and this read: as good as a conflict-free retry of a gone pause.
    if (!existing) return this.createPause(input);
    return { outcome, pause: existing };
  }

  async getPause(pauseId: string): Promise<Pause | null> {
    const hash = await this.redis.hgetall(this.keys.pause(pauseId));
    return pauseFromHash(pauseId, hash);
  }

  async confirmReplicated(ended: readonly Pause[] = []): Promise<void> {
    if (!wantsReplicas(this.context)) return;
    const pinned = await this.barrier.confirm();
    if (ended.length === 0) return;
    // Read again on the connection the confirmation went over: what the replicas of that primary
    // now hold includes everything it held before the confirmation's write.
    const reads = pinned.client.pipeline();
    for (const pause of ended) reads.hmget(this.keys.pause(pause.pause_id), 'status', 'resp');
    const rows = (await reads.exec()) ?? [];
    if (!pinned.unchanged()) throw unconfirmed('the connection to the store changed while it was confirmed');
    ended.forEach((pause, i) => {
      const [error, values] = rows[i] ?? [new Error('no reply')];
      if (error) throw error;
      const [status, resp] = (values ?? []) as (string | null)[];
      const signature = resp ? (JSON.parse(resp) as { signature?: string }).signature : undefined;
      if (status !== pause.status || signature !== pause.response?.signature) {
        throw unconfirmed(`the store no longer holds pause ${pause.pause_id} as it was read (a failover?)`);
      }
    });
  }

  endByPolicy(pauseId: string, response: SignedDecision, nowMs: number): Promise<EndResult> {
    return this.end({
      pauseId,
      nowMs,
      ending: { status: 'responded', response },
      audit: { actor: response.responder, data: decidedData(response) },
    });
  }

  async endAtDeadline(pauseId: string, response: SignedDecision, nowMs: number): Promise<EndResult> {
    const reply = await endAtDeadlineScript.run(this.context, { pauseId, response, nowMs });
    this.audit.sealSoon();
    if (!('hash' in reply)) return { outcome: reply.outcome };
    const pause = pauseFromHash(pauseId, reply.hash);
    if (!pause) return { outcome: 'not_found' };
    return { outcome: reply.outcome, pause };
  }

  async castVote(pauseId: string, ballot: Ballot, nowMs: number): Promise<VoteResult> {
    const reply = await voteScript.run(this.context, { pauseId, ballot, nowMs });
    this.audit.sealSoon();
    if (!('hash' in reply)) return { outcome: reply.outcome };
    const pause = pauseFromHash(pauseId, reply.hash);
    if (!pause) return { outcome: 'not_found' };
    return { outcome: reply.outcome, pause };
  }

  claimApproval(pauseId: string, claimant: string): Promise<ClaimOutcome> {
    return claimApprovalScript.run(this.context, { pauseId, claimant });
  }

  cancel(pauseId: string, reason: string | undefined, nowMs: number, actor = 'system'): Promise<EndResult> {
    return this.end({
      pauseId,
      nowMs,
      ending: { status: 'cancelled', reason },
      audit: { actor, data: cancelledData(reason) },
    });
  }

  async sweepExpired(nowMs: number, max: number): Promise<SweptPause[]> {
    const ended = await sweepScript.run(this.context, { nowMs, max });
    if (ended.length > 0) this.audit.sealSoon();
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
    return pageOf(items, query.limit);
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
        const pause = pauseFromHash(p.id, (results[i]?.[1] ?? {}) as Record<string, string>);
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
      pause: pauseFromHash(p.id, (results[i]?.[1] ?? {}) as Record<string, string>),
    }));
    const gone = entries.filter((e) => !e.pause).map((e) => e.id);
    if (gone.length > 0) await this.redis.zrem(index, ...gone);
    return { entries, read: flat.length / 2 };
  }

  async setDelivery<K extends keyof Deliveries>(
    pauseId: string,
    key: K,
    state: NonNullable<Deliveries[K]>,
    audit?: DeliveryAudit,
  ): Promise<void> {
    await setDeliveryScript.run(this.context, { pauseId, key, state, audit });
    if (audit) this.audit.sealSoon();
  }

  private async end(input: EndInput): Promise<EndResult> {
    const reply = await endScript.run(this.context, input);
    this.audit.sealSoon();
    if (!('hash' in reply)) return { outcome: reply.outcome };
    const pause = pauseFromHash(input.pauseId, reply.hash);
    if (!pause) return { outcome: 'not_found' };
    return { outcome: reply.outcome, pause };
  }
}
