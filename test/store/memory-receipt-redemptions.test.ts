import { expect, it } from 'vitest';
import { MemoryReceiptRedemptions } from '../../src/store/memory-receipt-redemptions.js';
import { newMemoryStores, restoreStores, snapshotOf } from '../../src/store/memory-snapshot.js';
import { receiptRedemptionsConformance } from './conformance/receipt-redemptions.js';

receiptRedemptionsConformance({
  name: 'memory',
  create: async () => new MemoryReceiptRedemptions(),
  dispose: async () => {},
});

it('keeps redeemed receipts across a snapshot and reads files from before receipts', async () => {
  const now = Date.now();
  const stores = newMemoryStores();
  await stores.receipts.redeemReceipt('j1', { pause_id: 'pse_a', redeemed_at: now }, now + 60_000, now);
  const restored = restoreStores(JSON.parse(JSON.stringify(snapshotOf(stores))));
  expect(
    (await restored.receipts.redeemReceipt('j1', { pause_id: 'pse_a', redeemed_at: now }, now + 60_000, now)).outcome,
  ).toBe('used');
  const { receipts: _, ...older } = snapshotOf(newMemoryStores());
  expect(restoreStores(JSON.parse(JSON.stringify(older))).receipts.size).toBe(0);
});
