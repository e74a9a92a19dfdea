import { describe, expect, it } from 'vitest';
import type { ReceiptRedemptions } from '../../../src/store/ports/receipt-redemptions.js';
import { freshStoreForEachTest, type StoreFactory } from './factory.js';

/**
 * ReceiptRedemptions: a jti is redeemed once, while its receipt has not expired; the record is
 * kept until then and dropped after. Time is the `nowMs` callers give.
 */
export function receiptRedemptionsConformance<S extends ReceiptRedemptions>(factory: StoreFactory<S>): void {
  describe(`ReceiptRedemptions conformance: ${factory.name}`, () => {
    let store: S;
    freshStoreForEachTest(factory, (s) => {
      store = s;
    });
    const now = Date.now();

    it('redeems a jti once; later attempts see the first redemption', async () => {
      const first = { pause_id: 'pse_a', redeemed_at: now };
      expect(await store.redeemReceipt('j1', first, now + 60_000, now)).toEqual({ outcome: 'redeemed' });
      expect(
        await store.redeemReceipt('j1', { pause_id: 'pse_a', redeemed_at: now + 5 }, now + 60_000, now + 5),
      ).toEqual({ outcome: 'used', first });
      expect(await store.redeemReceipt('j2', first, now + 60_000, now)).toEqual({ outcome: 'redeemed' });
    });

    it('records nothing for a receipt already expired', async () => {
      const record = { pause_id: 'pse_a', redeemed_at: now };
      expect(await store.redeemReceipt('j1', record, now, now)).toEqual({ outcome: 'expired' });
      expect(await store.redeemReceipt('j1', record, now - 1, now)).toEqual({ outcome: 'expired' });
      expect(await store.redeemReceipt('j1', record, now + 60_000, now)).toEqual({ outcome: 'redeemed' });
    });

    it('drops the record once the receipt has expired', async () => {
      const record = { pause_id: 'pse_a', redeemed_at: now };
      expect(await store.redeemReceipt('j1', record, now + 1_000, now)).toEqual({ outcome: 'redeemed' });
      // Past the expiry the receipt is refused at the edge; the store no longer holds it.
      expect(await store.redeemReceipt('j1', record, now + 60_000, now + 1_000)).toEqual({ outcome: 'redeemed' });
    });

    it('lets exactly one of many concurrent attempts on one jti redeem it', async () => {
      const attempts = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store.redeemReceipt('race', { pause_id: 'pse_a', redeemed_at: now + i }, now + 60_000, now),
        ),
      );
      expect(attempts.filter((a) => a.outcome === 'redeemed')).toHaveLength(1);
      expect(attempts.filter((a) => a.outcome === 'used')).toHaveLength(19);
    });
  });
}
