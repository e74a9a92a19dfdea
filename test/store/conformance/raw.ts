import type { Pause } from '../../../src/domain/pause.js';
import type { SignedDecision } from '../../../src/domain/signing.js';
import type { PauseStore } from '../../../src/store/ports/pauses.js';

/** A Redis store's connection, as RedisStore exposes it; absent on the memory store. */
interface RawRedis {
  connection: {
    redis: {
      hgetall(key: string): Promise<Record<string, string>>;
      hset(key: string, ...args: string[]): Promise<unknown>;
    };
    keys: { pause(id: string): string };
  };
}

function redisOf(store: object): RawRedis['connection'] | undefined {
  return 'connection' in store ? (store as RawRedis).connection : undefined;
}

/**
 * What the store holds for `pause`, read raw, as text: the Redis pause hash (HGETALL), or the memory
 * store's whole state (its snapshot), not through any read the port offers.
 */
export async function rawState(store: object, pauseId: string): Promise<string> {
  const redis = redisOf(store);
  if (redis) return JSON.stringify(await redis.redis.hgetall(redis.keys.pause(pauseId)));
  return JSON.stringify((store as { snapshot(): unknown }).snapshot());
}

/**
 * Stores `pause` as the previous version did when its policy decided at the deadline: the decision
 * signed at creation (`timeout_response`; Redis field `tresp`).
 */
export async function createLegacyTimeoutPause(store: PauseStore, pause: Pause, signed: SignedDecision): Promise<void> {
  const redis = redisOf(store);
  if (!redis) {
    await store.createPause({ pause: { ...pause, timeout_response: signed }, jobs: [] });
    return;
  }
  await store.createPause({ pause, jobs: [] });
  await redis.redis.hset(redis.keys.pause(pause.pause_id), 'tresp', JSON.stringify(signed));
}
