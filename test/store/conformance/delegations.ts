import { describe, expect, it } from 'vitest';
import type { Delegation } from '../../../src/domain/delegation.js';
import type { DelegationStore } from '../../../src/store/ports/delegations.js';
import { freshStoreForEachTest, type StoreFactory } from './factory.js';

/**
 * DelegationStore: one delegation per away person (by human key), checked against those in force in
 * the same step as it is written (no loop, no chain, whatever the races); one past its `until` is
 * not in force. Time is the `nowMs` callers give.
 */
export function delegationsConformance<S extends DelegationStore>(factory: StoreFactory<S>): void {
  describe(`DelegationStore conformance: ${factory.name}`, () => {
    let store: S;
    freshStoreForEachTest(factory, (s) => {
      store = s;
    });
    const now = Date.parse('2026-12-01T09:00:00Z');
    const day = 86_400_000;
    const delegation = (absent: string, delegate: string, untilMs = now + day): Delegation => ({
      absent,
      delegate,
      from: new Date(now).toISOString(),
      until: new Date(untilMs).toISOString(),
      set_by: absent,
    });

    it('sets, lists, replaces and ends a delegation', async () => {
      const first = delegation('sarah@acme.com', 'bob@acme.com');
      expect(await store.setDelegation(first, now)).toEqual({ outcome: 'set', delegation: first });
      expect(await store.listDelegations(now)).toEqual([first]);
      const second = delegation('Sarah@ACME.com', 'carol@acme.com', now + 2 * day);
      expect(await store.setDelegation(second, now + 1)).toEqual({
        outcome: 'set',
        delegation: second,
        replaced: first,
      });
      expect(await store.listDelegations(now + 1)).toEqual([second]);
      expect(await store.endDelegation('sarah@acme.com', now + 2)).toEqual(second);
      expect(await store.endDelegation('sarah@acme.com', now + 3)).toBeUndefined();
      expect(await store.listDelegations(now + 3)).toEqual([]);
    });

    it('lists in the order of the away person and keeps Slack ids exact', async () => {
      const b = delegation('U0BBBBBBB', 'carol@acme.com');
      const a = delegation('U0AAAAAAA', 'carol@acme.com');
      await store.setDelegation(b, now);
      await store.setDelegation(a, now);
      expect(await store.listDelegations(now)).toEqual([a, b]);
      expect(await store.endDelegation('u0aaaaaaa', now)).toBeUndefined();
    });

    it('refuses a loop (A→B→A) and a chain either way (A→B→C, C→A→B)', async () => {
      await store.setDelegation(delegation('a@acme.com', 'b@acme.com'), now);
      expect(await store.setDelegation(delegation('b@acme.com', 'a@acme.com'), now)).toEqual({
        outcome: 'conflict',
        conflict: 'delegate_away',
      });
      expect(await store.setDelegation(delegation('b@acme.com', 'c@acme.com'), now)).toEqual({
        outcome: 'conflict',
        conflict: 'absent_is_delegate',
      });
      expect(await store.setDelegation(delegation('c@acme.com', 'A@acme.com'), now)).toEqual({
        outcome: 'conflict',
        conflict: 'delegate_away',
      });
      // Two people may name the same delegate.
      expect((await store.setDelegation(delegation('d@acme.com', 'b@acme.com'), now)).outcome).toBe('set');
      expect((await store.listDelegations(now)).map((d) => d.absent)).toEqual(['a@acme.com', 'd@acme.com']);
    });

    it('ends by itself at until: not listed, not ended, and no longer in the way of a new one', async () => {
      await store.setDelegation(delegation('a@acme.com', 'b@acme.com', now + 1_000), now);
      expect(await store.listDelegations(now + 999)).toHaveLength(1);
      expect(await store.listDelegations(now + 1_000)).toEqual([]);
      const back = delegation('b@acme.com', 'a@acme.com', now + day);
      expect(await store.setDelegation(back, now + 1_000)).toEqual({ outcome: 'set', delegation: back });
      expect(await store.endDelegation('a@acme.com', now + 1_000)).toBeUndefined();
    });

    it('a sweep removes what has ended and hands each to one caller, however many sweep at once', async () => {
      await store.setDelegation(delegation('a@acme.com', 'b@acme.com', now + 1_000), now);
      await store.setDelegation(delegation('c@acme.com', 'b@acme.com', now + 5_000), now);
      expect(await store.sweepDelegations(now + 999)).toEqual([]);
      const sweeps = await Promise.all(Array.from({ length: 5 }, () => store.sweepDelegations(now + 1_000)));
      expect(sweeps.flat().map((d) => d.absent)).toEqual(['a@acme.com']);
      expect((await store.listDelegations(now + 1_000)).map((d) => d.absent)).toEqual(['c@acme.com']);
      // An ended one removed by a write (set, end) is not handed out again.
      await store.setDelegation(delegation('d@acme.com', 'e@acme.com'), now + 6_000);
      expect(await store.sweepDelegations(now + 6_000)).toEqual([]);
    });

    it('lets exactly one of two people naming each other at once succeed', async () => {
      for (let round = 0; round < 10; round++) {
        const [x, y] = [`x${round}@acme.com`, `y${round}@acme.com`];
        const outcomes = await Promise.all([
          store.setDelegation(delegation(x, y), now),
          store.setDelegation(delegation(y, x), now),
        ]);
        expect(outcomes.filter((o) => o.outcome === 'set')).toHaveLength(1);
      }
    });
  });
}
