import { describe, expect, it } from 'vitest';
import type { DashboardSessions } from '../../../src/store/ports/sessions.js';
import { freshStoreForEachTest, type StoreFactory } from './factory.js';

const session = { email: 'ada@example.com', csrf: 'c'.repeat(43), created_at: 1_700_000_000_000 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** DashboardSessions: single-use sign-in links and sliding sessions, both expiring. */
export function sessionsConformance<S extends DashboardSessions>(factory: StoreFactory<S>): void {
  describe(`DashboardSessions conformance: ${factory.name}`, () => {
    let store: S;
    freshStoreForEachTest(factory, (s) => {
      store = s;
    });

    it('a sign-in link is taken once, whoever races for it', async () => {
      await store.putSignInToken('t1', { email: 'ada@example.com' }, Date.now() + 60_000);
      const taken = await Promise.all([1, 2, 3, 4].map(() => store.takeSignInToken('t1', Date.now())));
      expect(taken.filter((t) => t !== null)).toEqual([{ email: 'ada@example.com' }]);
      expect(await store.takeSignInToken('t1', Date.now())).toBeNull();
      expect(await store.takeSignInToken('unknown', Date.now())).toBeNull();
    });

    it('an expired sign-in link is refused', async () => {
      await store.putSignInToken('t2', { email: 'ada@example.com' }, Date.now() + 40);
      await sleep(90);
      expect(await store.takeSignInToken('t2', Date.now())).toBeNull();
    });

    it('a session lives while used, ends idle, and ends at once when deleted', async () => {
      await store.putSession('s1', session, 300, Date.now());
      for (let i = 0; i < 4; i++) {
        await sleep(100);
        expect(await store.touchSession('s1', 300, Date.now())).toEqual(session);
      }
      await sleep(450);
      expect(await store.touchSession('s1', 300, Date.now())).toBeNull();

      await store.putSession('s2', session, 60_000, Date.now());
      await store.putSession('s3', { ...session, email: 'bob@example.com' }, 60_000, Date.now());
      await store.deleteSession('s2');
      expect(await store.touchSession('s2', 60_000, Date.now())).toBeNull();
      expect((await store.touchSession('s3', 60_000, Date.now()))?.email).toBe('bob@example.com');
      expect(await store.touchSession('never', 60_000, Date.now())).toBeNull();
    });
  });
}
