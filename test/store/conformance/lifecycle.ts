import { describe, expect, it } from 'vitest';
import type { StoreLifecycle } from '../../../src/store/ports/lifecycle.js';
import { freshStoreForEachTest, type StoreFactory } from './factory.js';

/** StoreLifecycle: what readiness reports. Closing is every other suite's `dispose`. */
export function lifecycleConformance<S extends StoreLifecycle>(factory: StoreFactory<S>): void {
  describe(`StoreLifecycle conformance: ${factory.name}`, () => {
    let store: S;
    freshStoreForEachTest(factory, (s) => {
      store = s;
    });

    it('names its kind and answers a ping while open', async () => {
      expect(['memory', 'redis']).toContain(store.kind);
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
