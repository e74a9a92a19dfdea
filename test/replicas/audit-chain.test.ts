import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEntry } from '../../src/domain/audit/chain.js';
import { RedisStore } from '../../src/store/redis-store.js';
import { verifyAuditLog } from '../../src/use-cases/verify-audit.js';
import { randomPrefix, startRedis, type TestRedis } from '../helpers/redis-server.js';
import { type ReplicaProcess, spawnReplica } from '../helpers/replica-process.js';
import { TEST_API_KEY } from '../helpers/service.js';
import { queueSettled } from '../helpers/settled.js';

/**
 * The audit log across replicas: three service processes on one Redis create and cancel pauses at once
 * (and let some time out); every change lands in one audit chain with no gaps, sealed by whichever
 * replica got there, and each pause's timeline holds its own entries in order.
 */
describe('the audit chain with three replicas writing at once', () => {
  let redis: TestRedis;
  let store: RedisStore;
  let dir: string;
  let replicas: ReplicaProcess[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    dir = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'audit-replicas-'));
    const prefix = randomPrefix();
    store = new RedisStore({ url: redis.url, prefix });
    await store.connect();
    const env = { REDIS_URL: redis.url, LOOPPAUSE_REDIS_PREFIX: prefix, LOOPPAUSE_OUTBOX_DIR: join(dir, 'outbox') };
    replicas = await Promise.all([spawnReplica(env), spawnReplica(env), spawnReplica(env)]);
  }, 120_000);
  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await store?.close();
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const rest = (i: number, path: string, body?: unknown) =>
    fetch(`${(replicas[i % 3] as ReplicaProcess).url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}` },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  it('one chain, no gaps, every pause’s timeline complete', async () => {
    const ids = await Promise.all(
      Array.from({ length: 60 }, async (_, n) => {
        const res = await rest(n, '/v1/pauses', {
          action_description: `Rotate key ${n}`,
          action_details: { n: String(n) },
          recipient_email: 'ops@example.com',
          timeout_hours: n % 3 === 0 ? 0.0005 : 1,
        });
        expect(res.status).toBe(201);
        return ((await res.json()) as { pause_id: string }).pause_id;
      }),
    );
    // Cancel the others from a different replica than the one that created them, all at once.
    await Promise.all(
      ids.map((id, n) => (n % 3 === 0 ? undefined : rest(n + 1, `/v1/pauses/${id}/cancel`, { reason: `r${n}` }))),
    );
    // The 1.8 s ones time out on whichever replica sweeps first: their deadlines are due work, so this
    // holds once they are swept and every job that followed (the replicas' default 60 s lease) ran.
    await queueSettled({ queue: store, leaseMs: 60_000, metricsUrl: (replicas[0] as ReplicaProcess).url }, 20_000);

    const verdict = await verifyAuditLog(store);
    expect(verdict).toMatchObject({ ok: true, unsealed: 0, anchorSeq: 0 });
    if (!verdict.ok) return;
    expect(verdict.lastSeq).toBe(verdict.checked);
    for (const [n, id] of ids.entries()) {
      const timeline = await store.pauseTimeline(id);
      const types = timeline.map((e) => parseEntry(e.body, e.prev).type);
      expect(types[0]).toBe('pause.created');
      // Deliveries may be recorded on either side of the ending; creation and ending are exactly one each.
      expect(types.filter((t) => t !== 'pause.delivered')).toEqual([
        'pause.created',
        n % 3 === 0 ? 'pause.timed_out' : 'pause.cancelled',
      ]);
    }
    const events = (await (await rest(2, `/v1/pauses/${ids[1]}/events`)).json()) as {
      events: { type: string; prev: string; hash: string; actor: string }[];
    };
    expect(events.events.map((e) => e.type)).toContain('pause.cancelled');
    expect(events.events.find((e) => e.type === 'pause.cancelled')?.actor).toBe('key:agent-a');
    expect(events.events.every((e) => /^[0-9a-f]{64}$/.test(e.hash) && /^[0-9a-f]{64}$/.test(e.prev))).toBe(true);
  }, 120_000);
});
