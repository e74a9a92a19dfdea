import { describe, expect, it } from 'vitest';
import type { DecisionTokens } from '../../../src/store/ports/decision-tokens.js';
import { freshStoreForEachTest, type StoreFactory } from './factory.js';

/** DecisionTokens: kept by hash until they expire. */
export function decisionTokensConformance<S extends DecisionTokens>(factory: StoreFactory<S>): void {
  describe(`DecisionTokens conformance: ${factory.name}`, () => {
    let store: S;
    freshStoreForEachTest(factory, (s) => {
      store = s;
    });

    it('stores decision tokens until they expire', async () => {
      await store.putDecisionToken('h1', { pause_id: 'pse_x', recipient: 'a@b.co' }, Date.now() + 60_000);
      await store.putDecisionToken('h2', { pause_id: 'pse_y', recipient: 'a@b.co' }, Date.now() + 30);
      expect(await store.getDecisionToken('h1')).toEqual({ pause_id: 'pse_x', recipient: 'a@b.co' });
      await new Promise((r) => setTimeout(r, 80));
      expect(await store.getDecisionToken('h2')).toBeNull();
      expect(await store.getDecisionToken('nope')).toBeNull();
    });
  });
}
