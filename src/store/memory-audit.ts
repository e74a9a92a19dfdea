import { entryHash, GENESIS_HASH } from '../domain/audit/chain.js';
import { auditBody } from '../domain/audit/events.js';
import type { AuditAnchor, AuditEventType, AuditPage, AuditQuery, StoredAuditEntry } from './ports/audit.js';

/** Everything MemoryAudit holds, as plain data (a snapshot of the memory store). */
export interface MemoryAuditState {
  entries: Kept[];
  seq: number;
  head: AuditAnchor;
  anchor: AuditAnchor;
  timelines: [string, number[]][];
}

interface Kept {
  seq: number;
  atMs: number;
  body: string;
  prev: string;
}

/** The memory store's audit log: entries are sealed as they are appended (one process, one step). */
export class MemoryAudit {
  private entries: Kept[] = [];
  private seq = 0;
  private head: AuditAnchor = { seq: 0, hash: GENESIS_HASH };
  private anchor: AuditAnchor = { seq: 0, hash: GENESIS_HASH };
  private readonly timelines = new Map<string, number[]>();

  append(
    type: AuditEventType,
    pauseId: string | undefined,
    actor: string,
    data: Record<string, unknown>,
    atMs: number,
  ): void {
    this.seq += 1;
    const body = auditBody({ seq: this.seq, atMs, type, pause_id: pauseId, actor, data });
    const prev = this.head.hash;
    this.entries.push({ seq: this.seq, atMs, body, prev });
    this.head = { seq: this.seq, hash: entryHash(body, prev) };
    if (pauseId !== undefined) this.timelines.set(pauseId, [...(this.timelines.get(pauseId) ?? []), this.seq]);
  }

  read(query: AuditQuery): AuditPage {
    const after = query.cursor === undefined ? 0 : Number(query.cursor);
    const page = this.entries
      .filter((e) => e.seq > after && (query.sinceMs === undefined || e.atMs >= query.sinceMs))
      .slice(0, query.limit);
    const last = page.at(-1);
    return {
      entries: page.map(({ body, prev }) => ({ body, prev })),
      cursor: last && page.length === query.limit ? String(last.seq) : null,
    };
  }

  /** By position, not a scan of the log: seqs are consecutive, and trimming only drops the oldest. */
  timeline(pauseId: string): StoredAuditEntry[] {
    const first = this.entries[0]?.seq ?? 0;
    return (this.timelines.get(pauseId) ?? []).flatMap((seq) => {
      const kept = this.entries[seq - first];
      return kept ? [{ body: kept.body, prev: kept.prev }] : [];
    });
  }

  /** A purged pause's timeline goes with it; its entries stay in the log. */
  forget(pauseId: string): void {
    this.timelines.delete(pauseId);
  }

  snapshot(): MemoryAuditState {
    return {
      entries: this.entries.map((e) => ({ ...e })),
      seq: this.seq,
      head: { ...this.head },
      anchor: { ...this.anchor },
      timelines: [...this.timelines].map(([pauseId, seqs]) => [pauseId, [...seqs]]),
    };
  }

  restore(state: MemoryAuditState): void {
    this.entries = state.entries.map((e) => ({ ...e }));
    this.seq = state.seq;
    this.head = { ...state.head };
    this.anchor = { ...state.anchor };
    this.timelines.clear();
    for (const [pauseId, seqs] of state.timelines) this.timelines.set(pauseId, [...seqs]);
  }

  anchorNow(): AuditAnchor {
    return { ...this.anchor };
  }

  headNow(): AuditAnchor {
    return { ...this.head };
  }

  trim(beforeMs: number, max: number): number {
    let dropped = 0;
    while (dropped < max && this.entries.length > 0 && (this.entries[0] as Kept).atMs < beforeMs) {
      const gone = this.entries.shift() as Kept;
      this.anchor = { seq: gone.seq, hash: entryHash(gone.body, gone.prev) };
      dropped += 1;
    }
    return dropped;
  }
}
