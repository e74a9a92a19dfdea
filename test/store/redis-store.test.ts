import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../src/store/redis-store.js';
import { randomPrefix, startRedis, type TestRedis } from '../helpers/redis-server.js';
import { pauseAt, responseFor, storeConformance } from './conformance.js';

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

storeConformance('redis', makeStore, async (store) => {
  const s = store as RedisStore;
  const keys = await s.redis.keys(`${s.keys.base}*`);
  if (keys.length > 0) await s.redis.del(...keys);
});

describe('Redis specifics', () => {
  it('puts every key under one hash tag (Redis Cluster: one slot per deployment)', async () => {
    const store = await makeStore();
    const pause = pauseAt(Date.now());
    await store.createPause({ pause, idempotencyKey: 'k', tasks: [] });
    await store.decide(pause.pause_id, responseFor(pause), Date.now());
    const keys = await store.redis.keys(`${store.keys.base}*`);
    expect(keys.length).toBeGreaterThan(3);
    for (const key of keys) expect(key.startsWith(store.keys.base)).toBe(true);
    expect(store.keys.base).toMatch(/^\{[^}]+\}:$/);
    await store.close();
  });

  it('wakes a watcher on another connection (another replica) when a pause ends', async () => {
    const a = await makeStore();
    const b = new RedisStore({ url: redis.url, prefix: a.keys.base.slice(1, -2) });
    await b.connect();
    const pause = pauseAt(Date.now());
    await a.createPause({ pause, tasks: [] });
    const watch = b.watch(pause.pause_id);
    const woke = watch.next(5000).then(() => 'woke');
    await a.decide(pause.pause_id, responseFor(pause), Date.now());
    expect(await woke).toBe('woke');
    expect((await b.getPause(pause.pause_id))?.status).toBe('responded');
    watch.close();
    await Promise.all([a.close(), b.close()]);
  });

  it('starts the retention clock on finished pauses only', async () => {
    const store = await makeStore();
    const pause = pauseAt(Date.now());
    await store.createPause({ pause, tasks: [] });
    expect(await store.redis.pttl(store.keys.pause(pause.pause_id))).toBe(-1);
    await store.cancel(pause.pause_id, undefined, Date.now());
    expect(await store.redis.pttl(store.keys.pause(pause.pause_id))).toBeGreaterThan(0);
    await store.close();
  });
});
