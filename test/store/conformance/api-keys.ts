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

    it('keeps an owner and the admin flag, and keys without them, as given', async () => {
      const created_at = new Date(now).toISOString();
      const plain = { name: 'plain', hash: 'c'.repeat(64), created_at };
      const owned = { name: 'owned', hash: 'd'.repeat(64), created_at, owner: 'sarah@acme.com' };
      const admin = { name: 'admin', hash: 'e'.repeat(64), created_at, owner: 'U0SARAH123', admin: true };
      for (const key of [plain, owned, admin]) expect(await store.createApiKey(key)).toBe(true);

      const foundPlain = await store.findApiKey(plain.hash);
      expect(foundPlain).toEqual(plain);
      expect(foundPlain?.owner).toBeUndefined();
      expect(foundPlain?.admin).toBeUndefined();
      expect(await store.findApiKey(owned.hash)).toEqual(owned);
      expect(await store.findApiKey(admin.hash)).toEqual(admin);
      expect(await store.listApiKeys()).toEqual([admin, owned, plain]);

      // What a caller does with the record it got back does not change the stored one.
      const copy = await store.findApiKey(owned.hash);
      if (copy) copy.admin = true;
      expect((await store.findApiKey(owned.hash))?.admin).toBeUndefined();
    });
  });
}
