/** A DueIndex as plain data (memory-snapshot.ts). */
export interface DueIndexState<K> {
  heap: { at: number; key: K }[];
  current: [K, number][];
}

/**
 * Keys by due time, soonest first: a binary heap with lazy deletion. Moving or removing a key is
 * O(log n) and finding what is due never scans, so an idle process holding many keys costs nothing.
 */
export class DueIndex<K> {
  private heap: { at: number; key: K }[] = [];
  private readonly current = new Map<K, number>();

  get size(): number {
    return this.current.size;
  }

  set(key: K, at: number): void {
    this.current.set(key, at);
    this.push({ at, key });
    // Stale entries wait in the heap until they surface; rebuild before they outnumber live ones.
    if (this.heap.length > 2 * this.current.size + 1024) this.rebuild();
  }

  delete(key: K): void {
    this.current.delete(key);
  }

  /** Every indexed key with its due time. */
  entries(): [K, number][] {
    return [...this.current];
  }

  /** The heap as it stands (stale entries too) and the live keys: restored, keys equally due pop in the same order. */
  snapshot(): DueIndexState<K> {
    return { heap: this.heap.map((e) => ({ ...e })), current: [...this.current] };
  }

  /** Loads a snapshot into an empty index. */
  restore(state: DueIndexState<K>): void {
    this.heap = state.heap.map((e) => ({ ...e }));
    this.current.clear();
    for (const [key, at] of state.current) this.current.set(key, at);
  }

  /** The soonest due time, or undefined when nothing is indexed. */
  peek(): number | undefined {
    this.dropStale();
    return this.heap[0]?.at;
  }

  /** Removes and returns up to `max` keys due at `nowMs` or earlier, soonest first. */
  popDue(nowMs: number, max = Number.POSITIVE_INFINITY): K[] {
    const due: K[] = [];
    while (due.length < max) {
      this.dropStale();
      const top = this.heap[0];
      if (!top || top.at > nowMs) break;
      this.pop();
      this.current.delete(top.key);
      due.push(top.key);
    }
    return due;
  }

  private dropStale(): void {
    for (let top = this.heap[0]; top && this.current.get(top.key) !== top.at; top = this.heap[0]) this.pop();
  }

  private rebuild(): void {
    this.heap = [];
    for (const [key, at] of this.current) this.push({ at, key });
  }

  private push(entry: { at: number; key: K }): void {
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((heap[parent] as { at: number }).at <= entry.at) break;
      heap[i] = heap[parent] as { at: number; key: K };
      i = parent;
    }
    heap[i] = entry;
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop();
    if (!last || heap.length === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child =
        right < heap.length && (heap[right] as { at: number }).at < (heap[left] as { at: number }).at ? right : left;
      if ((heap[child] as { at: number }).at >= last.at) break;
      heap[i] = heap[child] as { at: number; key: K };
      i = child;
    }
    heap[i] = last;
  }
}
