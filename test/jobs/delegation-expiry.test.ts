import { pino } from 'pino';
import { expect, it } from 'vitest';
import { parseEntry } from '../../src/domain/audit/chain.js';
import { startDelegationExpiry } from '../../src/jobs/delegation-expiry.js';
import { MemoryDelegations } from '../../src/store/memory-delegations.js';
import { MemoryStore } from '../../src/store/memory-store.js';

it('records each delegation that ended by itself once, as delegation.ended by system, however many replicas sweep', async () => {
  const now = Date.parse('2026-12-01T09:00:00Z');
  let clock = now;
  const delegations = new MemoryDelegations();
  const audit = new MemoryStore();
  await delegations.setDelegation(
    {
      absent: 'sarah@acme.com',
      delegate: 'bob@acme.com',
      from: '2026-12-01T09:00:00.000Z',
      until: '2026-12-01T10:00:00.000Z',
      set_by: 'sarah@acme.com',
    },
    now,
  );
  const logger = pino({ level: 'silent' });
  const replicas = [1, 2, 3].map(() => startDelegationExpiry({ delegations, audit }, logger, () => clock, 3_600_000));
  try {
    expect(await Promise.all(replicas.map((r) => r.sweep()))).toEqual([0, 0, 0]);
    clock = now + 3_600_000;
    const swept = await Promise.all(replicas.map((r) => r.sweep()));
    expect(swept.reduce((a, b) => a + b, 0)).toBe(1);
    const entries = (await audit.readAudit({ limit: 10 })).entries.map((e) => parseEntry(e.body, e.prev));
    expect(entries).toEqual([
      expect.objectContaining({
        type: 'delegation.ended',
        actor: 'system',
        data: { absent: 'sarah@acme.com', delegate: 'bob@acme.com', until: '2026-12-01T10:00:00.000Z', expired: true },
      }),
    ]);
  } finally {
    for (const r of replicas) r.stop();
  }
});
