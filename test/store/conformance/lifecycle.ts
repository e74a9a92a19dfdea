import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoreLifecycle } from '../../../src/store/ports/lifecycle.js';
import type { StoreFactory } from './factory.js';

/** StoreLifecycle: what readiness reports. Closing is every other suite's `dispose`. */
export function lifecycleConformance<S extends StoreLifecycle>(factory: StoreFactory<S>): void {
  describe(`StoreLifecycle conformance: ${factory.name}`, () => {
    let store: S;

    beforeEach(async () => {
      store = await factory.create();
    });
    afterEach(async () => {
      await factory.dispose(store);
    });

    it('names its kind and answers a ping while open', async () => {
      expect(['memory', 'redis']).toContain(store.kind);
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
