import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slotOf } from '../../src/store/redis-clients.js';
import { RedisStore } from '../../src/store/redis-store.js';
import { eventually } from '../helpers/eventually.js';
import { pauseAt, responseFor } from '../helpers/pauses.js';
import { ask, type SentinelSet, startCluster, startSentinelSet, type TestCluster } from '../helpers/redis-ha.js';
import { randomPrefix } from '../helpers/redis-server.js';
import { storeConformance } from './conformance/index.js';

let cluster: TestCluster;
let sentinel: SentinelSet;
beforeAll(async () => {
  [cluster, sentinel] = await Promise.all([startCluster(), startSentinelSet()]);
}, 60_000);
afterAll(async () => {
  await Promise.all([cluster?.stop(), sentinel?.stop()]);
});

async function makeStore(url: () => string, minReplicas = 0): Promise<RedisStore> {
  const store = new RedisStore({ url: url(), prefix: randomPrefix(), minReplicas });
  await store.connect();
  return store;
}

// Each store has its own prefix on throw-away servers: closing it is all the cleaning needed.
storeConformance({ name: 'redis cluster', create: () => makeStore(() => cluster.url), dispose: (s) => s.close() });
storeConformance({
  name: 'redis sentinel (WAIT 1)',
  create: () => makeStore(() => sentinel.url, 1),
  dispose: (s) => s.close(),
});

describe('Redis Cluster specifics', () => {
  it('keeps a deployment’s keys in its one slot, on the node that serves it, and scripts run there', async () => {
    const store = await makeStore(() => cluster.url);
    const pause = pauseAt(Date.now());
    await store.createPause({ pause, idempotency: { key: 'k', requestDigest: 'a' }, jobs: [] });
    await store.endByPolicy(pause.pause_id, responseFor(pause), Date.now());
    const client = store.connection.redis as Cluster;
    expect(client).toBeInstanceOf(Cluster);
    const slot = slotOf(store.connection.keys.base);
    expect(Number(await client.cluster('KEYSLOT', store.connection.keys.pause(pause.pause_id)))).toBe(slot);
    const owner = client.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === client.slots[slot]?.[0]);
    const keys = (await owner?.keys(`${store.connection.keys.base}*`)) ?? [];
    expect(keys.length).toBeGreaterThan(3);
    expect(Number(await owner?.cluster('COUNTKEYSINSLOT', slot))).toBe(keys.length);
    await store.close();
  });

  it('wakes a watcher on another connection, whichever node each subscribed to', async () => {
    const a = await makeStore(() => cluster.url);
    const stores = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const b = new RedisStore({ url: cluster.url, prefix: a.connection.keys.base.slice(1, -2) });
        await b.connect();
        return b;
      }),
    );
    const pause = pauseAt(Date.now());
    await a.createPause({ pause, jobs: [] });
    const watches = stores.map((b) => b.watch(pause.pause_id));
    const woke = Promise.all(watches.map((w) => w.next(10_000).then(() => 'woke')));
    await a.endByPolicy(pause.pause_id, responseFor(pause), Date.now());
    expect(await woke).toEqual(['woke', 'woke', 'woke', 'woke']);
    for (const w of watches) w.close();
    await Promise.all([a.close(), ...stores.map((b) => b.close())]);
  });
});

describe('Sentinel: a decision is answered once a replica holds it', () => {
  it('answers unavailable when no replica confirms in time; the step is whole, so a retry finds it decided', async () => {
    const store = new RedisStore({ url: sentinel.url, prefix: randomPrefix(), minReplicas: 1, replicaTimeoutMs: 300 });
    await store.connect();
    const replica = sentinel.servers[1];
    if (!replica) throw new Error('no replica');
    const held = pauseAt(Date.now());
    await store.createPause({ pause: held, jobs: [] });
    expect((await store.endByPolicy(held.pause_id, responseFor(held), Date.now())).outcome).toBe('ended');
    // Answered only once the replica had it: it holds the decision the moment the call returns.
    expect(await ask(replica.port, 'HGET', store.connection.keys.pause(held.pause_id), 'status')).toBe('responded');

    const pause = pauseAt(Date.now());
    await store.createPause({ pause, jobs: [] });
    await replica.kill();
    try {
      await expect(store.endByPolicy(pause.pause_id, responseFor(pause), Date.now())).rejects.toMatchObject({
        code: 'unavailable',
      });
      expect((await store.getPause(pause.pause_id))?.status).toBe('responded');
    } finally {
      await replica.restart();
      await eventually(
        async () =>
          String(await ask(replica.port, 'INFO', 'replication')).includes('master_link_status:up') ? true : undefined,
        15_000,
      );
    }
    const retry = await store.endByPolicy(pause.pause_id, responseFor(pause), Date.now());
    expect(retry.outcome).toBe('already_final');
    await store.close();
  });
});

describe('Sentinel: what a read saw is handed on only once a replica holds it', () => {
  it('refuses to confirm a decision, or to lease the jobs that tell of it, while the replica is silent; both go through once it is back', async () => {
    const store = new RedisStore({ url: sentinel.url, prefix: randomPrefix(), minReplicas: 1, replicaTimeoutMs: 300 });
    // Another replica of LoopPause, on its own connection: it reads what `store` decided.
    const reader = new RedisStore({
      url: sentinel.url,
      prefix: store.connection.keys.base.slice(1, -2),
      minReplicas: 1,
      replicaTimeoutMs: 300,
    });
    await Promise.all([store.connect(), reader.connect()]);
    const replica = sentinel.servers[1];
    if (!replica) throw new Error('no replica');
    const now = Date.now();
    const pause = pauseAt(now);
    await store.createPause({ pause, jobs: [] });
    replica.freeze();
    try {
      await expect(store.endByPolicy(pause.pause_id, responseFor(pause), now)).rejects.toMatchObject({
        code: 'unavailable',
      });
      // The primary holds it, and says so to a plain read ...
      expect((await reader.getPause(pause.pause_id))?.status).toBe('responded');
      // ... but nobody may be told: the confirmation and the lease of the `pause.ended` job refuse.
      const results = await Promise.allSettled([reader.confirmReplicated(), reader.confirmReplicated()]);
      expect(
        results.map((r) => (r.status === 'rejected' ? (r.reason as { code?: string }).code : 'confirmed')),
      ).toEqual(['unavailable', 'unavailable']);
      await expect(reader.claimDueJobs(now, 1000, 10)).rejects.toMatchObject({ code: 'unavailable' });
    } finally {
      replica.thaw();
    }
    await eventually(
      () =>
        reader.confirmReplicated().then(
          () => true,
          () => undefined,
        ),
      15_000,
    );
    expect(await ask(replica.port, 'HGET', store.connection.keys.pause(pause.pause_id), 'status')).toBe('responded');
    // A decision the primary no longer holds as it was read (what a failover between the read and
    // the confirmation leaves) is not confirmed; the one it holds is.
    const read = await reader.getPause(pause.pause_id);
    if (!read?.response) throw new Error('no decision');
    await expect(reader.confirmReplicated([read])).resolves.toBeUndefined();
    const gone = { ...read, response: { ...read.response, signature: 'another' } };
    await expect(reader.confirmReplicated([gone])).rejects.toMatchObject({ code: 'unavailable' });
    await expect(reader.confirmReplicated([{ ...read, status: 'cancelled' as const }])).rejects.toMatchObject({
      code: 'unavailable',
    });
    // The refused lease lapses and the job is leased again, now confirmed.
    const jobs = await reader.claimDueJobs(now + 1001, 1000, 10);
    expect(jobs.map((j) => j.id)).toEqual([`ended:${pause.pause_id}`]);
    await Promise.all([store.close(), reader.close()]);
  }, 30_000);
});

describe('Sentinel: WAIT confirms only on the connection that wrote', () => {
  /**
   * Makes the store's command connection drop and come back just before its next WAIT: the WAIT
   * then runs on a fresh connection, which has written nothing and so answers at once, confirming
   * nothing (what a reconnect between a script and its WAIT does).
   */
  function reconnectBeforeNextWait(store: RedisStore): { reconnects: () => number } {
    const redis = store.connection.redis as import('ioredis').Redis;
    const original = redis.wait.bind(redis);
    let reconnects = 0;
    const wait = async (...args: Parameters<typeof original>) => {
      redis.wait = original;
      const ready = new Promise((resolve) => redis.once('ready', resolve));
      redis.disconnect(true);
      await ready;
      reconnects += 1;
      return original(...args);
    };
    redis.wait = wait as typeof redis.wait;
    return { reconnects: () => reconnects };
  }

  it('a reconnect between a decision’s script and its WAIT answers unavailable; the step is whole, and a retry finds it decided', async () => {
    const store = new RedisStore({ url: sentinel.url, prefix: randomPrefix(), minReplicas: 1, replicaTimeoutMs: 500 });
    await store.connect();
    const pause = pauseAt(Date.now());
    await store.createPause({ pause, jobs: [] });
    const injected = reconnectBeforeNextWait(store);
    await expect(store.endByPolicy(pause.pause_id, responseFor(pause), Date.now())).rejects.toMatchObject({
      code: 'unavailable',
    });
    expect(injected.reconnects()).toBe(1);
    expect((await store.getPause(pause.pause_id))?.status).toBe('responded');
    expect((await store.endByPolicy(pause.pause_id, responseFor(pause), Date.now())).outcome).toBe('already_final');
    await store.close();
  });

  it('a reconnect between a confirmation’s write and its WAIT answers unavailable; the next confirmation goes through', async () => {
    const store = new RedisStore({ url: sentinel.url, prefix: randomPrefix(), minReplicas: 1, replicaTimeoutMs: 500 });
    await store.connect();
    const pause = pauseAt(Date.now());
    await store.createPause({ pause, jobs: [] });
    await store.endByPolicy(pause.pause_id, responseFor(pause), Date.now());
    const read = await store.getPause(pause.pause_id);
    if (!read) throw new Error('no pause');
    // Alone (what a job lease asks for) and with the pause to read again (what an agent's read asks for).
    for (const ended of [[], [read]]) {
      const injected = reconnectBeforeNextWait(store);
      await expect(store.confirmReplicated(ended)).rejects.toMatchObject({ code: 'unavailable' });
      expect(injected.reconnects()).toBe(1);
      await expect(store.confirmReplicated(ended)).resolves.toBeUndefined();
    }
    await store.close();
  });
});

describe('Sentinel: closing lets go of every connection', () => {
  it('the failover detector’s connections to the sentinels end with the store, after a reconnect too', async () => {
    const store = new RedisStore({ url: sentinel.url, prefix: randomPrefix() });
    await store.connect();
    const redis = store.connection.redis as import('ioredis').Redis;
    // A reconnect makes a new detector (as a failover does); the store then closes.
    const ready = new Promise((resolve) => redis.once('ready', resolve));
    redis.disconnect(true);
    await ready;
    const detector = () =>
      (redis as unknown as { connector?: { failoverDetector?: { sentinels: { client: { status: string } }[] } } })
        .connector?.failoverDetector;
    await eventually(() => ((detector()?.sentinels.length ?? 0) > 0 ? true : undefined), 10_000);
    await store.close();
    // Left running, they would reconnect to the sentinels for ever, logging "Unhandled error event" once the sentinels go.
    const ended = await eventually(
      () => (detector()?.sentinels.every((s) => s.client.status === 'end') ? true : undefined),
      5_000,
    ).catch(() => false);
    expect(
      ended,
      `detector connections: ${detector()
        ?.sentinels.map((s) => s.client.status)
        .join(', ')}`,
    ).toBe(true);
  });
});
