import { beforeEach, describe, expect, it } from 'vitest';
import type { DashboardSessions } from '../../../src/store/ports/sessions.js';
import { freshStoreForEachTest, type StoreFactory } from './factory.js';

const session = { email: 'ada@example.com', csrf: 'c'.repeat(43), created_at: 1_700_000_000_000 };

/**
 * DashboardSessions: single-use sign-in links and sliding sessions, both expiring. Time is the
 * `nowMs` the tests give, an hour ahead of the wall clock: a deadline passes when the test moves
 * the clock past it, never by itself (Redis's own expiry, on its clock, is an hour away).
 */
export function sessionsConformance<S extends DashboardSessions>(factory: StoreFactory<S>): void {
  describe(`DashboardSessions conformance: ${factory.name}`, () => {
    let store: S;
    let now: number;
    freshStoreForEachTest(factory, (s) => {
      store = s;
    });
    beforeEach(() => {
      now = Date.now() + 3_600_000;
    });

    it('a sign-in link is taken once, whoever races for it', async () => {
      await store.putSignInToken('t1', { email: 'ada@example.com' }, now + 60_000);
      const taken = await Promise.all([1, 2, 3, 4].map(() => store.takeSignInToken('t1', now)));
      expect(taken.filter((t) => t !== null)).toEqual([{ email: 'ada@example.com' }]);
      expect(await store.takeSignInToken('t1', now)).toBeNull();
      expect(await store.takeSignInToken('unknown', now)).toBeNull();
    });

    it('an expired sign-in link is refused, one taken just before its deadline is not', async () => {
      await store.putSignInToken('t2', { email: 'ada@example.com' }, now + 40);
      await store.putSignInToken('t3', { email: 'bob@example.com' }, now + 40);
      expect(await store.takeSignInToken('t2', now + 40)).toBeNull();
      expect(await store.takeSignInToken('t3', now + 39)).toEqual({ email: 'bob@example.com' });
    });

    it('a session lives while used, ends idle, and ends at once when deleted', async () => {
      await store.putSession('s1', session, 300, now);
      for (let i = 0; i < 4; i++) {
        now += 100;
        expect(await store.touchSession('s1', 300, now)).toEqual(session);
      }
      // Idle from the last touch: alive until its 300 ms have run, ended from then on.
      expect(await store.touchSession('s1', 300, now + 299)).toEqual(session);
      now += 299;
      expect(await store.touchSession('s1', 300, now + 300)).toBeNull();
      expect(await store.touchSession('s1', 300, now)).toBeNull();

      await store.putSession('s2', session, 60_000, now);
      await store.putSession('s3', { ...session, email: 'bob@example.com' }, 60_000, now);
      await store.deleteSession('s2');
      expect(await store.touchSession('s2', 60_000, now)).toBeNull();
      expect((await store.touchSession('s3', 60_000, now))?.email).toBe('bob@example.com');
      expect(await store.touchSession('never', 60_000, now)).toBeNull();
    });

    it('a session that was never touched ends its idle time after it was put', async () => {
      await store.putSession('s4', session, 500, now);
      expect(await store.touchSession('s4', 500, now + 500)).toBeNull();
    });
  });
}
