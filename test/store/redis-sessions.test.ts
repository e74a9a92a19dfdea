import { describe, expect, it } from 'vitest';
import { redisKeys, redisSessionKeys } from '../../src/store/redis-keys.js';
import { RedisSessionStore } from '../../src/store/redis-sessions.js';
import { redisAdapterFixture } from '../helpers/redis-adapter.js';
import { randomPrefix } from '../helpers/redis-server.js';
import { sessionsConformance } from './conformance/sessions.js';

const redis = redisAdapterFixture();
const client = () => redis.client();

sessionsConformance({
  ...redis.factory('redis', (_client, _keys, context) => new RedisSessionStore(context)),
});

describe('Redis dashboard sessions', () => {
  it('keeps only hashes as keys, under the hash tag, expiring in Redis itself; junk reads as absent', async () => {
    const keys = redisKeys(randomPrefix());
    const store = new RedisSessionStore(client(), keys);
    await store.putSession('hash1', { email: 'a@b.co', csrf: 'x', created_at: 1 }, 60_000, Date.now());
    const k = redisSessionKeys(keys.base);
    const ttl = await client().pttl(k.session('hash1'));
    expect(ttl).toBeGreaterThan(50_000);
    // The deadline is the caller's clock plus the idle time, to the millisecond, and a touch moves it.
    const later = Date.now() + 3_600_000;
    await store.putSession('hash2', { email: 'a@b.co', csrf: 'x', created_at: 1 }, 60_000, later);
    expect(await client().pexpiretime(k.session('hash2'))).toBe(later + 60_000);
    await store.touchSession('hash2', 60_000, later + 5);
    expect(await client().pexpiretime(k.session('hash2'))).toBe(later + 60_005);
    await client().set(k.session('junk'), '{not json');
    expect(await store.touchSession('junk', 1000, Date.now())).toBeNull();
    await client().set(k.signInToken('junk'), '[1]');
    expect(await store.takeSignInToken('junk', Date.now())).toBeNull();
    const written = await client().keys(`${keys.base}*`);
    expect(written.every((key) => key.startsWith(keys.base))).toBe(true);
    await client().del(...written);
  });
});
