import { type CursorPosition, isAfter } from './cursor.js';

/**
 * Pause ids in list order (newest first by creation time, then id), for the memory store: a page
 * walks from the cursor and stops when it has enough, instead of sorting every pause per call.
 * Kept oldest first, so the usual insert (the newest pause) is an append.
 */
export class CreationOrder {
  private readonly entries: CursorPosition[] = [];

  add(score: number, id: string): void {
    const at = this.indexAfter({ score, id });
    this.entries.splice(at, 0, { score, id });
  }

  delete(score: number, id: string): void {
    const at = this.indexAfter({ score, id }) - 1;
    if (this.entries[at]?.id === id) this.entries.splice(at, 1);
  }

  /** Every entry, oldest first (a snapshot of the memory store; `add` them back in any order). */
  positions(): CursorPosition[] {
    return this.entries.map((e) => ({ ...e }));
  }

  isEmpty(): boolean {
    return this.entries.length === 0;
  }

  /** Ids newest first, from just after `cursor` (all when none). */
  *newestFirst(cursor: CursorPosition | undefined): Generator<CursorPosition> {
    let i = cursor ? this.indexAfter(cursor) - 1 : this.entries.length - 1;
    while (
      i >= 0 &&
      cursor &&
      !isAfter((this.entries[i] as CursorPosition).score, (this.entries[i] as CursorPosition).id, cursor)
    )
      i--;
    for (; i >= 0; i--) yield this.entries[i] as CursorPosition;
  }

  /** The index of the first entry that sorts after `position` in oldest-first order. */
  private indexAfter(position: CursorPosition): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const e = this.entries[mid] as CursorPosition;
      const before = e.score < position.score || (e.score === position.score && e.id <= position.id);
      if (before) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
