import type { Delegation, DelegationConflict } from '../../domain/delegation.js';

export type SetDelegationOutcome =
  /** In force now; `replaced` is the delegation of the same person it took the place of, if any. */
  | { outcome: 'set'; delegation: Delegation; replaced?: Delegation }
  /** Refused against the delegations in force: nothing changed. */
  | { outcome: 'conflict'; conflict: DelegationConflict };

/**
 * Away and delegate records, one per away person (by human key: e-mails case-insensitively). A new
 * one is checked against those in force and written in one atomic step, so two people naming each
 * other at the same moment on two replicas cannot both succeed (no loop, no chain). A delegation
 * past its `until` is not in force: no read returns it and no check counts it; writes drop it.
 * Time is the `nowMs` callers give.
 */
export interface DelegationStore {
  setDelegation(delegation: Delegation, nowMs: number): Promise<SetDelegationOutcome>;
  /** Ends `absent`'s delegation now; the one that was in force, or undefined. */
  endDelegation(absent: string, nowMs: number): Promise<Delegation | undefined>;
  /** Every delegation in force, ordered by the away person's key. */
  listDelegations(nowMs: number): Promise<Delegation[]>;
  /**
   * Removes the delegations past their `until` and returns them: each one to exactly one caller,
   * however many replicas sweep at once (so its ending is recorded once).
   */
  sweepDelegations(nowMs: number): Promise<Delegation[]>;
}
