import type { Redis } from 'ioredis';
import { entryHash, GENESIS_HASH } from '../domain/audit/chain.js';
import type { ScriptRunner } from './lua-scripts.js';
import type { AuditAnchor, AuditPage, AuditQuery, NewAuditEntry, StoredAuditEntry } from './ports/audit.js';
import type { RedisKeys } from './redis-keys.js';

const SEQ_PATTERN = /^\{"seq":(\d+),/;
const AT_PATTERN = /^\{"seq":\d+,"at":"([^"]+)"/;
/** How far replicas' clocks may trail Redis's for `since`. */
const CLOCK_SKEW_MS = 60_000;

/**
 * The audit log on Redis. Entries are appended by the scripts that change pauses (lua/includes/
 * audit.lua), numbered and in stream order; sealing computes each entry's `prev` in Node, in
 * order, and records it with a compare on the sealed mark, so sealers on many replicas agree.
 */
export class RedisAudit {
  constructor(
    private readonly redis: Redis,
    private readonly scripts: ScriptRunner,
    private readonly keys: RedisKeys,
  ) {}

  async append(entry: NewAuditEntry, nowMs: number): Promise<void> {
    const k = this.keys;
    await this.scripts.run(
      'audit-append',
      [k.audit],
      [k.base, nowMs, entry.type, entry.actor, JSON.stringify(entry.data ?? {}), entry.pause_id ?? ''],
    );
  }

  async seal(max: number): Promise<number> {
    const k = this.keys;
    const [seq, hash, id] = await this.redis.hmget(k.auditSealed, 'seq', 'hash', 'id');
    const items = await this.redis.xrange(k.audit, id ? `(${id}` : '-', '+', 'COUNT', max);
    if (items.length === 0) return 0;
    let prev = hash ?? GENESIS_HASH;
    const pairs: (string | number)[] = [];
    let lastSeq = Number(seq ?? 0);
    for (const [, fields] of items) {
      const body = fields[1] ?? '';
      lastSeq = Number(SEQ_PATTERN.exec(body)?.[1] ?? lastSeq + 1);
      pairs.push(lastSeq, prev);
      prev = entryHash(body, prev);
    }
    const lastId = items.at(-1)?.[0] as string;
    const sealed = await this.scripts.run<number>(
      'audit-seal',
      [k.audit, k.auditPrev, k.auditSealed],
      [seq ?? '0', lastSeq, prev, lastId, ...pairs],
    );
    return sealed === 1 ? items.length : 0;
  }

  async read(query: AuditQuery): Promise<AuditPage> {
    // Stream ids carry Redis's clock, entries the replica's: start a little early, then go by `at`.
    const start =
      query.cursor !== undefined
        ? `(${query.cursor}`
        : query.sinceMs !== undefined
          ? `${Math.max(0, query.sinceMs - CLOCK_SKEW_MS)}-0`
          : '-';
    const items = await this.redis.xrange(this.keys.audit, start, '+', 'COUNT', query.limit);
    const since = query.cursor === undefined ? query.sinceMs : undefined;
    const bodies = items
      .map(([, fields]) => fields[1] ?? '')
      .filter((body) => since === undefined || Date.parse(AT_PATTERN.exec(body)?.[1] ?? '') >= since);
    return {
      entries: await this.withPrev(bodies),
      cursor: items.length === query.limit ? (items.at(-1)?.[0] ?? null) : null,
    };
  }

  async timeline(pauseId: string): Promise<StoredAuditEntry[]> {
    const ids = await this.redis.lrange(this.keys.pauseTimeline(pauseId), 0, -1);
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.xrange(this.keys.audit, id, id);
    const results = (await pipeline.exec()) ?? [];
    // Entries trimmed by retention are gone from the log; the timeline skips them.
    const bodies = results.flatMap(([, items]) => (items as [string, string[]][]).map(([, fields]) => fields[1] ?? ''));
    return this.withPrev(bodies);
  }

  async anchor(): Promise<AuditAnchor> {
    return this.mark(this.keys.auditAnchor);
  }

  async head(): Promise<AuditAnchor> {
    const [sealed, anchor] = await Promise.all([this.mark(this.keys.auditSealed), this.anchor()]);
    return sealed.seq > 0 ? sealed : anchor;
  }

  async trim(beforeMs: number, max: number): Promise<number> {
    const k = this.keys;
    return this.scripts.run<number>(
      'audit-trim',
      [k.audit, k.auditPrev, k.auditAnchor, k.auditSealed],
      [beforeMs, max],
    );
  }

  private async mark(key: string): Promise<AuditAnchor> {
    const [seq, hash] = await this.redis.hmget(key, 'seq', 'hash');
    return { seq: Number(seq ?? 0), hash: hash ?? GENESIS_HASH };
  }

  private async withPrev(bodies: string[]): Promise<StoredAuditEntry[]> {
    if (bodies.length === 0) return [];
    const seqs = bodies.map((body) => SEQ_PATTERN.exec(body)?.[1] ?? '0');
    const prevs = await this.redis.hmget(this.keys.auditPrev, ...seqs);
    return bodies.map((body, i) => ({ body, prev: prevs[i] ?? null }));
  }
}
