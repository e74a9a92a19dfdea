import { sha256Hex } from '../hash.js';

/** The hash before the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** What an audit entry says, parsed from its stored body. */
export interface AuditEntry {
  seq: number;
  at: string;
  type: string;
  pause_id?: string;
  actor: string;
  data: Record<string, unknown>;
  /** The previous entry's hash; absent while the entry is not sealed yet. */
  prev?: string;
}

/**
 * The canonical line of a sealed entry: its body with `prev` as the last member. This exact string
 * is what `looppause audit export` writes and what the next entry's `prev` is the SHA-256 of.
 */
export function sealedLine(body: string, prev: string): string {
  return `${body.slice(0, -1)},"prev":"${prev}"}`;
}

export function entryHash(body: string, prev: string): string {
  return sha256Hex(sealedLine(body, prev));
}

export function parseEntry(body: string, prev: string | null): AuditEntry {
  const parsed = JSON.parse(body) as AuditEntry;
  return prev === null ? parsed : { ...parsed, prev };
}

export type ChainVerdict =
  | { ok: true; checked: number; unsealed: number; lastSeq: number; lastHash: string }
  | { ok: false; seq: number; reason: string };

/**
 * Checks a run of entries against the chain, entry by entry (feed it page after page): numbers
 * follow on from the anchor without gaps, each sealed entry's `prev` is the hash of the one before,
 * and only the newest entries may still be unsealed. An edited, removed or reordered entry is
 * named by the first seq where the chain breaks.
 */
export class ChainVerifier {
  private expectedSeq: number;
  private prevHash: string;
  private checked = 0;
  private unsealed = 0;
  private failure: { seq: number; reason: string } | undefined;
  private readonly firstSeq: number;
  private lastSealed = 0;

  constructor(anchor: { seq: number; hash: string }) {
    this.expectedSeq = anchor.seq + 1;
    this.firstSeq = this.expectedSeq;
    this.prevHash = anchor.hash;
  }

  /** False once the chain is broken: there is no point in reading further. */
  push(entry: { body: string; prev: string | null }): boolean {
    if (this.failure) return false;
    let seq: number;
    try {
      seq = (JSON.parse(entry.body) as { seq?: unknown }).seq as number;
    } catch {
      return this.fail(this.expectedSeq, 'the entry is not valid JSON (edited?)');
    }
    if (!Number.isSafeInteger(seq)) return this.fail(this.expectedSeq, 'the entry has no seq (edited?)');
    if (seq !== this.expectedSeq) {
      return this.fail(
        Math.min(seq, this.expectedSeq),
        seq > this.expectedSeq ? `entries ${this.expectedSeq}…${seq - 1} are missing` : `entry ${seq} is out of order`,
      );
    }
    if (entry.prev === null) {
      this.unsealed += 1;
    } else {
      if (this.unsealed > 0) return this.fail(seq, 'a sealed entry follows an unsealed one');
      if (entry.prev !== this.prevHash) {
        // The hash of the entry before no longer matches what this one recorded: that one changed
        // (or, less likely, this one's prev did). Before the first entry there is only the anchor.
        const edited = seq > this.firstSeq ? seq - 1 : seq;
        return this.fail(edited, `entry ${edited} does not match the hash entry ${seq} recorded for it (edited?)`);
      }
      this.prevHash = entryHash(entry.body, entry.prev);
      this.lastSealed = seq;
    }
    this.expectedSeq = seq + 1;
    this.checked += 1;
    return true;
  }

  /**
   * The verdict, given the store's head (the last sealed entry's seq and hash): the newest sealed
   * entry has no successor to vouch for it, so the head does.
   */
  verdict(head: { seq: number; hash: string }): ChainVerdict {
    if (!this.failure && this.lastSealed > 0 && this.lastSealed === head.seq && this.prevHash !== head.hash) {
      this.fail(head.seq, `entry ${head.seq} does not match the chain's head (edited?)`);
    }
    if (!this.failure && head.seq > this.lastSealed && head.seq >= this.firstSeq) {
      this.fail(this.lastSealed + 1, `entries ${this.lastSealed + 1}…${head.seq} are missing`);
    }
    if (this.failure) return { ok: false, ...this.failure };
    return {
      ok: true,
      checked: this.checked,
      unsealed: this.unsealed,
      lastSeq: this.expectedSeq - 1,
      lastHash: this.prevHash,
    };
  }

  private fail(seq: number, reason: string): false {
    this.failure = { seq, reason };
    return false;
  }
}
