import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditBody } from '../../src/domain/audit/events.js';
import { INDEX_HORIZON_MS } from '../../src/store/ports/pauses.js';
import { RedisStore } from '../../src/store/redis-store.js';
import { verifyAuditLog } from '../../src/use-cases/verify-audit.js';
import { eventually } from '../helpers/eventually.js';
import { pauseAt, responseFor } from '../helpers/pauses.js';
import { randomPrefix, startRedis, type TestRedis } from '../helpers/redis-server.js';
import { storeConformance } from './conformance/index.js';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis.stop();
});

async function makeStore(): Promise<RedisStore> {
  const store = new RedisStore({ url: redis.url, prefix: randomPrefix() });
  await store.connect();
  return store;
}

storeConformance({
  name: 'redis',
  create: makeStore,
  dispose: async (store) => {
    const s = store as RedisStore;
    const keys = await s.connection.redis.keys(`${s.connection.keys.base}*`);
    if (keys.length > 0) await s.connection.redis.del(...keys);
    await s.close();
  },
});

describe('Redis specifics', () => {
  it('keeps the word every version stored for a cancel (expired), and reads it as cancelled, event included', async () => {
    const store = await makeStore();
    const pause = pauseAt(Date.now());
    await store.createPause({ pause, jobs: [] });
    const events: string[] = [];
    const stop = store.onAnyChange((event) => {
      if (event.pause_id === pause.pause_id) events.push(event.status);
    });
    await store.cancel(pause.pause_id, 'moot', Date.now(), 'key:agent-a');
    expect(await store.connection.redis.hget(store.connection.keys.pause(pause.pause_id), 'status')).toBe('expired');
    expect((await store.getPause(pause.pause_id))?.status).toBe('cancelled');
    // A record the previous version wrote reads the same way.
    await store.connection.redis.hset(store.connection.keys.pause(pause.pause_id), 'status', 'expired');
    expect((await store.getPause(pause.pause_id))?.status).toBe('cancelled');
    await eventually(() => (events.includes('cancelled') ? true : undefined));
    expect(events).not.toContain('expired');
    stop();
  });

  it('seals a backlog larger than one round trip’s batch, and the whole log verifies', async () => {
    const store = await makeStore();
    // Written as the scripts write them, but with nobody sealing (as after a crash of every replica):
    // each sealing call writes every prev in one script call, so a backlog must go in batches.
    const pipeline = store.connection.redis.pipeline();
    for (let seq = 1; seq <= 1_200; seq++) {
      const body = auditBody({ seq, atMs: Date.now(), type: 'key.created', actor: 'test', data: { seq } });
      pipeline.xadd(store.connection.keys.audit, '*', 'e', body);
    }
    pipeline.set(store.connection.keys.auditSeq, 1_200);
    await pipeline.exec();
    expect(await store.sealAudit(500)).toBe(500);
    expect(await store.sealAudit(Number.MAX_SAFE_INTEGER)).toBe(700);
    expect(await verifyAuditLog(store)).toMatchObject({ ok: true, checked: 1_200, unsealed: 0 });
    await store.close();
  });

  it('puts every key under one hash tag (Redis Cluster: one slot per deployment)', async () => {
    const store = await makeStore();
    const pause = pauseAt(Date.now());
    await store.createPause({ pause, idempotency: { key: 'k', requestDigest: 'a' }, jobs: [] });
    await store.endByPolicy(pause.pause_id, responseFor(pause), Date.now());
    const keys = await store.connection.redis.keys(`${store.connection.keys.base}*`);
    expect(keys.length).toBeGreaterThan(3);
    for (const key of keys) expect(key.startsWith(store.connection.keys.base)).toBe(true);
    expect(store.connection.keys.base).toMatch(/^\{[^}]+\}:$/);
    await store.close();
  });

  it('wakes a watcher on another connection (another replica) when a pause ends', async () => {
    const a = await makeStore();
    const b = new RedisStore({ url: redis.url, prefix: a.connection.keys.base.slice(1, -2) });
    await b.connect();
    const pause = pauseAt(Date.now());
    await a.createPause({ pause, jobs: [] });
    const watch = b.watch(pause.pause_id);
    const woke = watch.next(5000).then(() => 'woke');
    await a.endByPolicy(pause.pause_id, responseFor(pause), Date.now());
    expect(await woke).toBe('woke');
    expect((await b.getPause(pause.pause_id))?.status).toBe('responded');
    watch.close();
    await Promise.all([a.close(), b.close()]);
  });

  it('drops a job body it cannot read instead of stranding the rest of the batch', async () => {
    const store = await makeStore();
    const now = Date.now();
    await store.connection.redis.hset(store.connection.keys.jobData, 'junk', '{not json');
    await store.connection.redis.zadd(store.connection.keys.jobQueue, now, 'junk');
    await store.enqueueJob({ id: 'good', kind: 'email.send', data: { pause_id: 'p1' }, run_at: now });
    const claimed = await store.claimDueJobs(now, 60_000, 10);
    expect(claimed.map((j) => j.id)).toEqual(['good']);
    expect(await store.connection.redis.hexists(store.connection.keys.jobData, 'junk')).toBe(0);
    await store.close();
  });

  it('claims the jobs the previous version left queued (no data beyond kind, pause id and step), with their data', async () => {
    const store = await makeStore();
    const now = Date.now();
    const endpoint = 'ep_0123456789abcdef';
    const left: Record<string, string> = {
      'slack.remind:1:p1': '{"kind":"slack.remind","pause_id":"p1","step":1}',
      'ended:p1': '{"kind":"pause.ended","pause_id":"p1"}',
      [`webhook.deliver:${endpoint}:p1.created`]: '{"kind":"webhook.deliver","pause_id":"p1"}',
      'webhook.event:pause.delivered:p1:slack': '{"kind":"webhook.event","pause_id":"p1"}',
    };
    for (const [id, body] of Object.entries(left)) {
      await store.connection.redis.hset(store.connection.keys.jobData, id, body);
      await store.connection.redis.zadd(store.connection.keys.jobQueue, now, id);
    }
    const claimed = await store.claimDueJobs(now, 60_000, 10);
    expect(Object.fromEntries(claimed.map((job) => [job.id, { kind: job.kind, data: job.data }]))).toEqual({
      'slack.remind:1:p1': { kind: 'slack.remind', data: { pause_id: 'p1', step: 1 } },
      'ended:p1': { kind: 'pause.ended', data: { pause_id: 'p1' } },
      [`webhook.deliver:${endpoint}:p1.created`]: {
        kind: 'webhook.deliver',
        data: { pause_id: 'p1', endpoint_id: endpoint, event_id: 'p1.created' },
      },
      'webhook.event:pause.delivered:p1:slack': {
        kind: 'webhook.event',
        data: { pause_id: 'p1', type: 'pause.delivered', detail: { channel: 'slack' } },
      },
    });
    await store.close();
  });

  it('lets an idempotency key whose pause was purged start a new pause (the key outlives the pause)', async () => {
    const store = await makeStore();
    const first = pauseAt(Date.now());
    const idempotency = { key: 'k', requestDigest: 'a' };
    await store.createPause({ pause: first, idempotency, jobs: [] });
    await store.connection.redis.del(store.connection.keys.pause(first.pause_id));
    const retry = pauseAt(Date.now());
    expect(await store.createPause({ pause: retry, idempotency, jobs: [] })).toEqual({
      outcome: 'created',
      pause: retry,
    });
    expect((await store.getPause(retry.pause_id))?.status).toBe('pending');
    await store.close();
  });

  it('trims the per-agent index on write: entries past the retention horizon go, without a list', async () => {
    const store = await makeStore();
    const now = Date.now();
    const ancient = pauseAt(now - INDEX_HORIZON_MS - 60_000);
    await store.createPause({ pause: ancient, jobs: [] });
    const index = store.connection.keys.agentAll(ancient.agent_id);
    expect(await store.connection.redis.zscore(index, ancient.pause_id)).not.toBeNull();
    const fresh = pauseAt(now);
    await store.createPause({ pause: fresh, jobs: [] });
    expect(await store.connection.redis.zrange(index, '0', '-1')).toEqual([fresh.pause_id]);
    await store.close();
  });

  it('a pause leaves its deciders’ waiting indexes in the step that ends it, however it ends', async () => {
    const store = await makeStore();
    const now = Date.now();
    const to = (email: string) => ({
      request: { ...pauseAt(now).request, recipient_email: email, approvers: [email, 'bo@acme.com'] },
    });
    const [cancelled, decided, swept] = [
      pauseAt(now, to('a@acme.com')),
      pauseAt(now, to('a@acme.com')),
      pauseAt(now, to('a@acme.com'), 10),
    ];
    for (const pause of [cancelled, decided, swept]) await store.createPause({ pause, jobs: [] });
    const indexes = [store.connection.keys.waiting('a@acme.com'), store.connection.keys.waiting('bo@acme.com')];
    for (const index of indexes) expect(await store.connection.redis.zcard(index)).toBe(3);
    await store.cancel(cancelled.pause_id, undefined, now);
    await store.endByPolicy(decided.pause_id, responseFor(decided), now);
    await store.sweepExpired(now + 10, 10);
    for (const index of indexes) expect(await store.connection.redis.exists(index)).toBe(0);
    await store.close();
  });

  it('puts pauses pending from before the waiting indexes into them, once, at connect', async () => {
    const store = await makeStore();
    const now = Date.now();
    const older = pauseAt(now, { request: { ...pauseAt(now).request, recipient_email: 'cy@acme.com' } });
    const ended = pauseAt(now, { request: { ...pauseAt(now).request, recipient_email: 'cy@acme.com' } });
    for (const pause of [older, ended]) await store.createPause({ pause, jobs: [] });
    await store.cancel(ended.pause_id, undefined, now);
    // As an older version left them: no indexes, no `wk`, no mark.
    await store.connection.redis.del(
      store.connection.keys.waiting('cy@acme.com'),
      store.connection.keys.waiting('*'),
      store.connection.keys.waitingIndexed,
    );
    await store.connection.redis.hdel(store.connection.keys.pause(older.pause_id), 'wk');
    expect((await store.listWaiting({ deciders: ['cy@acme.com'], limit: 10 })).items).toEqual([]);
    const upgraded = new RedisStore({ url: redis.url, prefix: store.connection.keys.base.slice(1, -2) });
    await upgraded.connect();
    const page = await upgraded.listWaiting({ deciders: ['cy@acme.com'], limit: 10 });
    expect(page.items.map((p) => p.pause_id)).toEqual([older.pause_id]);
    expect(await store.connection.redis.get(store.connection.keys.waitingIndexed)).toBe('1');
    // Its ending still takes it out: the backfill wrote its `wk`.
    await upgraded.cancel(older.pause_id, undefined, now);
    expect(await store.connection.redis.exists(store.connection.keys.waiting('cy@acme.com'))).toBe(0);
    await upgraded.close();
    await store.close();
  });

  it('starts the retention clock on finished pauses only', async () => {
    const store = await makeStore();
    const pause = pauseAt(Date.now());
    await store.createPause({ pause, jobs: [] });
    expect(await store.connection.redis.pttl(store.connection.keys.pause(pause.pause_id))).toBe(-1);
    await store.cancel(pause.pause_id, undefined, Date.now());
    expect(await store.connection.redis.pttl(store.connection.keys.pause(pause.pause_id))).toBeGreaterThan(0);
    await store.close();
  });
});
