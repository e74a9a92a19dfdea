import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import type { RedisContext } from '../../src/store/redis-connection.js';
import { type RedisKeys, redisKeys } from '../../src/store/redis-keys.js';
import type { StoreFactory } from '../store/conformance/factory.js';
import { randomPrefix, startRedis, type TestRedis } from './redis-server.js';

/**
 * One real redis-server for the calling test file, and a conformance factory for an adapter that
 * lives on a shared connection: each store gets its own key prefix, and its keys are deleted after.
 */
export function redisAdapterFixture() {
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
  return {
    client: () => client,
    /** `make` gets the client and keys, and the connection context an adapter takes, over them. */
    factory<S extends object>(
      name: string,
      make: (client: Redis, keys: RedisKeys, context: RedisContext) => S,
    ): StoreFactory<S> {
      const prefixes = new WeakMap<S, string>();
      return {
        name,
        create: async () => {
          const prefix = randomPrefix();
          const keys = redisKeys(prefix);
          const store = make(client, keys, { redis: client, keys });
          prefixes.set(store, prefix);
          return store;
        },
        dispose: async (store) => {
          const keys = await client.keys(`${redisKeys(prefixes.get(store) ?? '').base}*`);
          if (keys.length > 0) await client.del(...keys);
        },
      };
    },
  };
}
