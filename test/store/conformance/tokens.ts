import { describe, expect, it } from 'vitest';
import type { DecisionTokens } from '../../../src/store/ports/decision-tokens.js';
import { freshStoreForEachTest, type StoreFactory } from './factory.js';

/**
 * DecisionTokens: kept by hash until they expire. The port takes no clock (both adapters judge by
 * the wall clock, Redis by its own): a token whose deadline has already passed stands for one that
 * expired, so nothing waits for a deadline to pass.
 */
export function decisionTokensConformance<S extends DecisionTokens>(factory: StoreFactory<S>): void {
  describe(`DecisionTokens conformance: ${factory.name}`, () => {
    let store: S;
    freshStoreForEachTest(factory, (s) => {
      store = s;
    });

    it('stores decision tokens until they expire', async () => {
      await store.putDecisionToken('h1', { pause_id: 'pse_x', recipient: 'a@b.co' }, Date.now() + 60_000);
      await store.putDecisionToken('h2', { pause_id: 'pse_y', recipient: 'a@b.co' }, Date.now() - 1);
      await store.putDecisionToken('h3', { pause_id: 'pse_z', recipient: 'a@b.co' }, Date.now() - 60_000);
      expect(await store.getDecisionToken('h1')).toEqual({ pause_id: 'pse_x', recipient: 'a@b.co' });
      expect(await store.getDecisionToken('h2')).toBeNull();
      expect(await store.getDecisionToken('h3')).toBeNull();
      expect(await store.getDecisionToken('nope')).toBeNull();
    });
  });
}
