import { entryHash, GENESIS_HASH } from '../domain/audit/chain.js';
import type { AuditAnchor, AuditLog, AuditPage, AuditQuery, NewAuditEntry, StoredAuditEntry } from './ports/audit.js';
import type { RedisClient } from './redis-clients.js';
import type { RedisContext } from './redis-connection.js';
import type { RedisKeys } from './redis-keys.js';
import { auditAppendScript } from './scripts/audit-append.js';
import { auditSealScript } from './scripts/audit-seal.js';
import { auditTrimScript } from './scripts/audit-trim.js';

const SEQ_PATTERN = /^\{"seq":(\d+),/;
const AT_PATTERN = /^\{"seq":\d+,"at":"([^"]+)"/;
/** How far replicas' clocks may trail Redis's for `since`. */
const CLOCK_SKEW_MS = 60_000;
/** Entries sealed per round trip. */
const SEAL_BATCH = 500;

/**
 * The audit log on Redis. Entries are appended by the scripts that change pauses (lua/includes/
 * audit.lua), numbered and in stream order; sealing computes each entry's `prev` in Node, in
 * order, and records it with a compare on the sealed mark, so sealers on many replicas agree.
 * Entries are sealed right after the change that wrote them (`sealSoon`, which the pause adapter
 * calls too), and a timer catches what a replica that died in between left unsealed.
 */
export class RedisAuditLog implements AuditLog {
  private readonly redis: RedisClient;
  private readonly keys: RedisKeys;
  private sealing: Promise<void> | undefined;
  private sealAgain = false;
  private readonly sealTimer: NodeJS.Timeout;

  constructor(private readonly context: RedisContext) {
    this.redis = context.redis;
    this.keys = context.keys;
    this.sealTimer = setInterval(() => this.sealSoon(), 2_000).unref();
  }

  async appendAudit(entry: NewAuditEntry, nowMs: number): Promise<void> {
    await auditAppendScript.run(this.context, { entry, nowMs });
    this.sealSoon();
  }

  /** The one sealing loop: batches until one comes back short (nothing left, or another replica sealed first). */
  async sealAudit(max = Number.MAX_SAFE_INTEGER): Promise<number> {
    let sealed = 0;
    while (sealed < max) {
      const want = Math.min(SEAL_BATCH, max - sealed);
      const batch = await this.sealBatch(want);
      sealed += batch;
      if (batch < want) break;
    }
    return sealed;
  }

  async readAudit(query: AuditQuery): Promise<AuditPage> {
    await this.sealPending();
    return this.read(query);
  }

  async pauseTimeline(pauseId: string): Promise<StoredAuditEntry[]> {
    await this.sealPending();
    return this.timeline(pauseId);
  }

  async auditAnchor(): Promise<AuditAnchor> {
    return this.mark(this.keys.auditAnchor);
  }

  async auditHead(): Promise<AuditAnchor> {
    const [sealed, anchor] = await Promise.all([this.mark(this.keys.auditSealed), this.auditAnchor()]);
    return sealed.seq > 0 ? sealed : anchor;
  }

  async trimAudit(beforeMs: number, max: number): Promise<number> {
    return auditTrimScript.run(this.context, { beforeMs, max });
  }

  /** Seals what this replica just wrote, one sealing at a time; a burst of changes shares a round. */
  sealSoon(): void {
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

  /** Stops the timer and lets a sealing under way finish. */
  async close(): Promise<void> {
    clearInterval(this.sealTimer);
    await this.sealing?.catch(() => undefined);
  }

  /** Readers seal what is pending first; entries another replica is sealing at that moment may still read unsealed. */
  private async sealPending(): Promise<void> {
    await this.sealing;
    await this.sealAudit();
  }

  private async sealBatch(max: number): Promise<number> {
    const k = this.keys;
    const [seq, hash, id] = await this.redis.hmget(k.auditSealed, 'seq', 'hash', 'id');
    const items = await this.redis.xrange(k.audit, id ? `(${id}` : '-', '+', 'COUNT', max);
    if (items.length === 0) return 0;
    let prev = hash ?? GENESIS_HASH;
    const prevs: [number, string][] = [];
    let lastSeq = Number(seq ?? 0);
    for (const [, fields] of items) {
      const body = fields[1] ?? '';
      lastSeq = Number(SEQ_PATTERN.exec(body)?.[1] ?? lastSeq + 1);
      prevs.push([lastSeq, prev]);
      prev = entryHash(body, prev);
    }
    const streamId = items.at(-1)?.[0] as string;
    const sealed = await auditSealScript.run(this.context, {
      readSeq: seq ?? '0',
      seq: lastSeq,
      hash: prev,
      streamId,
      prevs,
    });
    return sealed ? items.length : 0;
  }

  private async read(query: AuditQuery): Promise<AuditPage> {
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

  private async timeline(pauseId: string): Promise<StoredAuditEntry[]> {
    const ids = await this.redis.lrange(this.keys.pauseTimeline(pauseId), 0, -1);
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.xrange(this.keys.audit, id, id);
    const results = (await pipeline.exec()) ?? [];
    // Entries trimmed by retention are gone from the log; the timeline skips them.
    const bodies = results.flatMap(([, items]) => (items as [string, string[]][]).map(([, fields]) => fields[1] ?? ''));
    return this.withPrev(bodies);
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
