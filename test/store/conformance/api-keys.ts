import { describe, expect, it } from 'vitest';
import type { ApiKeys } from '../../../src/store/ports/api-keys.js';
import { freshStoreForEachTest, type StoreFactory } from './factory.js';

/** ApiKeys: by hash, with unique names. */
export function apiKeysConformance<S extends ApiKeys>(factory: StoreFactory<S>): void {
  describe(`ApiKeys conformance: ${factory.name}`, () => {
    let store: S;
    const now = Date.now();
    freshStoreForEachTest(factory, (s) => {
      store = s;
    });

    it('keeps API keys by hash with unique names', async () => {
      const key = { name: 'ci', hash: 'a'.repeat(64), created_at: new Date(now).toISOString() };
      expect(await store.createApiKey(key)).toBe(true);
      expect(await store.createApiKey({ ...key, hash: 'b'.repeat(64) })).toBe(false);
      expect(await store.findApiKey(key.hash)).toEqual(key);
      expect(await store.findApiKey('b'.repeat(64))).toBeNull();
      expect(await store.listApiKeys()).toEqual([key]);
      expect(await store.revokeApiKey('ci')).toBe(true);
      expect(await store.revokeApiKey('ci')).toBe(false);
      expect(await store.findApiKey(key.hash)).toBeNull();
    });
  });
}
