import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, expect, it } from 'vitest';
import { MemoryReceiptRedemptions } from '../../src/store/memory-receipt-redemptions.js';
import { newMemoryStores, persistentMemoryStores, restoreStores, snapshotOf } from '../../src/store/memory-snapshot.js';
import { receiptRedemptionsConformance } from './conformance/receipt-redemptions.js';

const dir = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'memory-receipts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

receiptRedemptionsConformance({
  name: 'memory',
  create: async () => new MemoryReceiptRedemptions(),
  dispose: async () => {},
});

// The persisting proxy changes nothing the contract says.
const persisted = new WeakMap<object, () => Promise<void>>();
receiptRedemptionsConformance({
  name: 'memory, persisted to a snapshot file',
  create: async () => {
    const { stores } = persistentMemoryStores(join(dir, `conformance-${++files}.json`), pino({ level: 'silent' }));
    persisted.set(stores.receipts, () => stores.store.close());
    return stores.receipts;
  },
  dispose: async (receipts) => persisted.get(receipts)?.(),
});

it('keeps redeemed receipts across a snapshot and a restart, and reads files from before receipts', async () => {
  const now = Date.now();
  const record = { pause_id: 'pse_a', redeemed_at: now };
  const stores = newMemoryStores();
  await stores.receipts.redeemReceipt('j1', record, now + 60_000, now);
  const restored = restoreStores(JSON.parse(JSON.stringify(snapshotOf(stores))));
  expect(await restored.receipts.redeemReceipt('j1', record, now + 60_000, now)).toEqual({
    outcome: 'used',
    first: record,
  });
  const { receipts: _, ...older } = snapshotOf(newMemoryStores());
  expect(restoreStores(JSON.parse(JSON.stringify(older))).receipts.size).toBe(0);

  const file = join(dir, 'restart.json');
  const first = persistentMemoryStores(file, pino({ level: 'silent' }));
  await first.stores.receipts.redeemReceipt('j2', record, now + 60_000, now);
  await first.stores.store.close();
  const second = persistentMemoryStores(file, pino({ level: 'silent' }));
  expect(second.loaded.outcome).toBe('restored');
  expect((await second.stores.receipts.redeemReceipt('j2', record, now + 60_000, now)).outcome).toBe('used');
  await second.stores.store.close();
});
