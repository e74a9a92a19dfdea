/** What the audit log records: every change of a pause, and the operator's own acts. */
export const AUDIT_EVENT_TYPES = [
  'pause.created',
  'pause.delivered',
  'pause.delivery_failed',
  'pause.reminded',
  'pause.escalated',
  'pause.voted',
  'pause.decided',
  'pause.policy_decided',
  'pause.timed_out',
  'pause.cancelled',
  'tool.remembered',
  'tool.forwarded',
  'key.created',
  'key.revoked',
  'dashboard.signed_in',
  'delegation.set',
  'delegation.ended',
] as const;
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

/**
 * One entry as stored: `body` is its canonical JSON without `prev`
 * (`{"seq":…,"at":…,"type":…,["pause_id":…,]"actor":…,"data":{…}}`), exactly as written in the
 * step that made the change; `prev` is the previous entry's hash, null until the entry is sealed
 * into the chain (src/domain/audit/chain.ts says how lines and hashes are made).
 */
export interface StoredAuditEntry {
  body: string;
  prev: string | null;
}

/** An entry to append: the store numbers, timestamps and chains it. */
export interface NewAuditEntry {
  type: AuditEventType;
  pause_id?: string;
  actor: string;
  data?: Record<string, unknown>;
}

/** Where the chain starts: the last dropped entry's seq and hash (seq 0 and 64 zeros before any trim). */
export interface AuditAnchor {
  seq: number;
  hash: string;
}

export interface AuditQuery {
  /** Where the previous page ended. */
  cursor?: string;
  /** Entries at or after this time (a start only: later pages follow the cursor). */
  sinceMs?: number;
  limit: number;
}

export interface AuditPage {
  entries: StoredAuditEntry[];
  /** Null when the log has no more entries (yet). */
  cursor: string | null;
}

/**
 * The audit log. Pause changes are appended by the PauseStore itself, in the same
 * atomic step as the change; `appendAudit` is for acts outside a pause (keys, sign-ins). Entries
 * are sealed into the hash chain in order right after (at once in memory; by `sealAudit` on Redis,
 * which every replica runs as entries arrive and every reader runs first).
 */
export interface AuditLog {
  appendAudit(entry: NewAuditEntry, nowMs: number): Promise<void>;
  /** Seals pending entries into the chain, at most `max`; returns how many. */
  sealAudit(max: number): Promise<number>;
  /** Entries in order, a page at a time. */
  readAudit(query: AuditQuery): Promise<AuditPage>;
  /** One pause's entries, in order. */
  pauseTimeline(pauseId: string): Promise<StoredAuditEntry[]>;
  auditAnchor(): Promise<AuditAnchor>;
  /** The last sealed entry's seq and hash (the anchor when nothing is sealed since). */
  auditHead(): Promise<AuditAnchor>;
  /** Drops sealed entries older than `beforeMs` (at most `max`), moving the anchor; returns how many went. */
  trimAudit(beforeMs: number, max: number): Promise<number>;
}
