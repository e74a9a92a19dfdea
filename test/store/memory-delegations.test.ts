import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, expect, it } from 'vitest';
import { MemoryDelegations } from '../../src/store/memory-delegations.js';
import { newMemoryStores, persistentMemoryStores, restoreStores, snapshotOf } from '../../src/store/memory-snapshot.js';
import { delegationsConformance } from './conformance/delegations.js';

const dir = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'memory-delegations-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

delegationsConformance({
  name: 'memory',
  create: async () => new MemoryDelegations(),
  dispose: async () => {},
});

const persisted = new WeakMap<object, () => Promise<void>>();
delegationsConformance({
  name: 'memory, persisted to a snapshot file',
  create: async () => {
    const { stores } = persistentMemoryStores(join(dir, `conformance-${++files}.json`), pino({ level: 'silent' }));
    persisted.set(stores.delegations, () => stores.store.close());
    return stores.delegations;
  },
  dispose: async (delegations) => persisted.get(delegations)?.(),
});

it('keeps delegations across a snapshot and a restart, and reads files from before delegations', async () => {
  const now = Date.now();
  const record = {
    absent: 'sarah@acme.com',
    delegate: 'bob@acme.com',
    from: new Date(now).toISOString(),
    until: new Date(now + 60_000).toISOString(),
    set_by: 'sarah@acme.com',
  };
  const stores = newMemoryStores();
  await stores.delegations.setDelegation(record, now);
  const restored = restoreStores(JSON.parse(JSON.stringify(snapshotOf(stores))));
  expect(await restored.delegations.listDelegations(now)).toEqual([record]);
  const { delegations: _, ...older } = snapshotOf(newMemoryStores());
  expect(await restoreStores(JSON.parse(JSON.stringify(older))).delegations.listDelegations(now)).toEqual([]);

  const file = join(dir, 'restart.json');
  const first = persistentMemoryStores(file, pino({ level: 'silent' }));
  await first.stores.delegations.setDelegation(record, now);
  await first.stores.store.close();
  const second = persistentMemoryStores(file, pino({ level: 'silent' }));
  expect(second.loaded.outcome).toBe('restored');
  expect(await second.stores.delegations.listDelegations(now)).toEqual([record]);
  await second.stores.store.close();
});
