import { describe, expect, it } from 'vitest';
import type { RateLimits } from '../../../src/store/ports/rate-limits.js';
import { freshStoreForEachTest, type StoreFactory } from './factory.js';

/** RateLimits: fixed windows per subject. */
export function rateLimitsConformance<S extends RateLimits>(factory: StoreFactory<S>): void {
  describe(`RateLimits conformance: ${factory.name}`, () => {
    let store: S;
    const now = Date.now();
    freshStoreForEachTest(factory, (s) => {
      store = s;
    });

    it('rate-limits per subject in fixed windows', async () => {
      const windowStart = Math.floor(now / 60_000) * 60_000;
      const hits = [];
      for (let i = 0; i < 4; i++) hits.push(await store.hitRateLimit('agent-a', 3, 60_000, windowStart + 10_000));
      expect(hits.map((h) => h.allowed)).toEqual([true, true, true, false]);
      expect(hits.map((h) => h.hits)).toEqual([1, 2, 3, 4]);
      expect(hits[3]?.retryAfterMs).toBe(50_000);
      expect((await store.hitRateLimit('agent-b', 3, 60_000, windowStart + 10_000)).allowed).toBe(true);
      expect((await store.hitRateLimit('agent-a', 3, 60_000, windowStart + 60_000)).allowed).toBe(true);
    });
  });
}
