import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisKeys, redisWebhookKeys } from '../../src/store/redis-keys.js';
import { RedisWebhookStore } from '../../src/store/redis-webhooks.js';
import { randomPrefix, startRedis, type TestRedis } from '../helpers/redis-server.js';
import { webhookStoreConformance } from './conformance/webhooks.js';

let redis: TestRedis;
let client: Redis;
beforeAll(async () => {
  redis = await startRedis();
  client = new Redis(redis.url);
});
afterAll(async () => {
  client.disconnect();
  await redis.stop();
});

const prefixes = new WeakMap<RedisWebhookStore, string>();

webhookStoreConformance({
  name: 'redis',
  deadLetterLimit: 5,
  create: async () => {
    const prefix = randomPrefix();
    const store = new RedisWebhookStore(client, redisKeys(prefix), 5);
    prefixes.set(store, prefix);
    return store;
  },
  dispose: async (store) => {
    const base = redisKeys(prefixes.get(store as RedisWebhookStore) ?? '').base;
    const keys = await client.keys(`${base}*`);
    if (keys.length > 0) await client.del(...keys);
  },
});

describe('Redis webhook store', () => {
  it('lives under the deployment hash tag; an event expires in Redis itself', async () => {
    const keys = redisKeys(randomPrefix());
    const store = new RedisWebhookStore(client, keys);
    await store.saveEvent(
      { id: 'pse_x.created', type: 'pause.created', pause_id: 'pse_x', body: '{}', fanned_out: false },
      Date.now() + 60_000,
    );
    const ttl = await client.pttl(redisWebhookKeys(keys.base).event('pse_x.created'));
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    const written = await client.keys(`${keys.base}*`);
    expect(written.every((k) => k.startsWith(keys.base))).toBe(true);
    await client.del(...written);
  });

  it('reads an endpoint it cannot parse as absent', async () => {
    const keys = redisKeys(randomPrefix());
    const store = new RedisWebhookStore(client, keys);
    await client.hset(redisWebhookKeys(keys.base).endpoints, 'whe_junk', '{not json');
    expect(await store.getEndpoint('whe_junk')).toBeNull();
    expect(await store.listEndpoints()).toEqual([]);
    await client.del(redisWebhookKeys(keys.base).endpoints);
  });
});
