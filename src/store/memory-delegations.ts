import { type Delegation, isActive } from '../domain/delegation.js';
import { humanKey } from '../domain/policy/humans.js';
import type { DelegationStore, SetDelegationOutcome } from './ports/delegations.js';

/** MemoryDelegations' state as plain data (memory-snapshot.ts). */
export interface MemoryDelegationsState {
  delegations: Delegation[];
}

/** Delegations for the embedded memory store: one process, so a check and a set in one call are atomic. */
export class MemoryDelegations implements DelegationStore {
  private readonly byAbsent = new Map<string, Delegation>();

  async setDelegation(delegation: Delegation, nowMs: number): Promise<SetDelegationOutcome> {
    this.sweep(nowMs);
    const absent = humanKey(delegation.absent);
    const delegate = humanKey(delegation.delegate);
    if (this.byAbsent.has(delegate)) return { outcome: 'conflict', conflict: 'delegate_away' };
    for (const [key, held] of this.byAbsent) {
      if (key !== absent && humanKey(held.delegate) === absent)
        return { outcome: 'conflict', conflict: 'absent_is_delegate' };
    }
    const replaced = this.byAbsent.get(absent);
    this.byAbsent.set(absent, { ...delegation });
    return { outcome: 'set', delegation: { ...delegation }, ...(replaced ? { replaced: { ...replaced } } : {}) };
  }

  async endDelegation(absent: string, nowMs: number): Promise<Delegation | undefined> {
    this.sweep(nowMs);
    const key = humanKey(absent);
    const held = this.byAbsent.get(key);
    this.byAbsent.delete(key);
    return held ? { ...held } : undefined;
  }

  async listDelegations(nowMs: number): Promise<Delegation[]> {
    return [...this.byAbsent]
      .filter(([, d]) => isActive(d, nowMs))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, d]) => ({ ...d }));
  }

  async sweepDelegations(nowMs: number): Promise<Delegation[]> {
    return this.sweep(nowMs);
  }

  private sweep(nowMs: number): Delegation[] {
    const ended: Delegation[] = [];
    for (const [key, d] of this.byAbsent) {
      if (isActive(d, nowMs)) continue;
      this.byAbsent.delete(key);
      ended.push({ ...d });
    }
    return ended;
  }

  snapshot(): MemoryDelegationsState {
    return { delegations: [...this.byAbsent.values()].map((d) => ({ ...d })) };
  }

  restore(state: MemoryDelegationsState): void {
    this.byAbsent.clear();
    for (const d of state.delegations) this.byAbsent.set(humanKey(d.absent), { ...d });
  }
}
