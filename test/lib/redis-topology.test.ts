import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { parseRedisUrl } from '../../src/lib/redis-topology.js';
import { slotOf } from '../../src/store/redis-clients.js';
import { redisKeys } from '../../src/store/redis-keys.js';

function topology(url: string) {
  const parsed = parseRedisUrl(url);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.topology;
}

function configErrors(env: Record<string, string>): string[] {
  const result = parseConfig(env);
  return result.ok ? [] : result.errors;
}

describe('REDIS_URL forms', () => {
  it('reads one server as ioredis does, Sentinel sets and Clusters by their own schemes', () => {
    expect(topology('redis://127.0.0.1:6379')).toEqual({ kind: 'single', url: 'redis://127.0.0.1:6379' });
    expect(topology('rediss://:pw@cache.example.com:6380/2')).toMatchObject({ kind: 'single' });
    expect(topology('redis+sentinel://s1:26379,s2,[::1]:26380/mymaster')).toEqual({
      kind: 'sentinel',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26379 },
        { host: '::1', port: 26380 },
      ],
      name: 'mymaster',
      db: 0,
      tls: false,
    });
    expect(
      topology('rediss+sentinel://app:p%40ss@s1:26379/prod-primary/3?sentinel_password=s%3Acret&sentinel_username=sen'),
    ).toEqual({
      kind: 'sentinel',
      sentinels: [{ host: 's1', port: 26379 }],
      name: 'prod-primary',
      db: 3,
      tls: true,
      username: 'app',
      password: 'p@ss',
      sentinelUsername: 'sen',
      sentinelPassword: 's:cret',
    });
    expect(topology('redis+cluster://:secret@n1:7000,n2:7001')).toEqual({
      kind: 'cluster',
      nodes: [
        { host: 'n1', port: 7000 },
        { host: 'n2', port: 7001 },
      ],
      tls: false,
      password: 'secret',
    });
    expect(topology('rediss+cluster://n1')).toEqual({
      kind: 'cluster',
      nodes: [{ host: 'n1', port: 6379 }],
      tls: true,
    });
  });

  it('refuses what it cannot connect to, saying what is wrong and never echoing a password', () => {
    const refused = {
      'redis+sentinel://s1:26379': /must name the primary/,
      'redis+sentinel://s1:26379/mymaster/x': /database number/,
      'redis+sentinel:///mymaster': /must list its hosts/,
      'redis+sentinel://s1:26379,,s2/mymaster': /must list its hosts/,
      'redis+sentinel://s1:99999/mymaster': /host 1 of 1 must be host or host:port/,
      'redis+sentinel://s1/mymaster?password=x': /only the query parameters sentinel_password, sentinel_username/,
      'redis+cluster://n1:7000/1': /only database 0/,
      'redis+cluster://n1:7000?tls=1': /takes no query parameters/,
      'redis+cluster://u:%zz@n1': /percent-encoded/,
      'redis+cluster://n 1:7000': /host 1 of 1/,
      'http://redis:6379': /must be a Redis URL/,
      'not a url': /must be a Redis URL/,
    };
    for (const [url, message] of Object.entries(refused)) {
      const parsed = parseRedisUrl(url);
      expect(parsed.ok, url).toBe(false);
      if (!parsed.ok) expect(parsed.error, url).toMatch(message);
    }
  });

  it('fuzz: any text is either read or refused with a message, and the message never holds the password', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('redis+sentinel://', 'rediss+cluster://', 'redis+cluster://', 'redis://', ''),
        fc.string({ maxLength: 60 }),
        (scheme, rest) => {
          const secret = 'S3CRET-pw';
          const parsed = parseRedisUrl(`${scheme}u:${secret}@${rest}`);
          if (parsed.ok) return;
          expect(parsed.error).not.toContain(secret);
          expect(parsed.error.length).toBeGreaterThan(10);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('config: REDIS_URL errors name the variable; LOOPPAUSE_REDIS_MIN_REPLICAS defaults to 1 with Sentinel, 0 otherwise', () => {
    expect(configErrors({ REDIS_URL: 'redis+sentinel://s1:26379' })).toEqual([
      expect.stringMatching(/^REDIS_URL: must name the primary/),
    ]);
    expect(configErrors({ REDIS_URL: 'redis://r:6379', LOOPPAUSE_REDIS_MIN_REPLICAS: 'two' })).toEqual([
      expect.stringMatching(/^LOOPPAUSE_REDIS_MIN_REPLICAS: must be a number of replicas/),
    ]);
    expect(configErrors({ REDIS_URL: 'redis://r:6379', LOOPPAUSE_REDIS_MIN_REPLICAS: '-1' })).toEqual([
      expect.stringMatching(/^LOOPPAUSE_REDIS_MIN_REPLICAS: must be 0 or more/),
    ]);
    const redisOf = (env: Record<string, string>) => {
      const result = parseConfig(env);
      if (!result.ok) throw new Error(result.errors.join());
      return result.config.redis;
    };
    expect(redisOf({ REDIS_URL: 'redis+sentinel://s1/mymaster' })).toMatchObject({
      minReplicas: 1,
      topology: { kind: 'sentinel', name: 'mymaster' },
    });
    expect(redisOf({ REDIS_URL: 'redis+cluster://n1:7000' })).toMatchObject({ minReplicas: 0 });
    expect(redisOf({ REDIS_URL: 'redis://r:6379', LOOPPAUSE_REDIS_MIN_REPLICAS: '2' })).toMatchObject({
      minReplicas: 2,
    });
    expect(redisOf({ REDIS_URL: 'redis+sentinel://s1/mymaster', LOOPPAUSE_REDIS_MIN_REPLICAS: '0' })).toMatchObject({
      minReplicas: 0,
    });
  });
});

describe('Cluster slots', () => {
  it('computes the slots Redis does (CLUSTER KEYSLOT), by the hash tag', () => {
    // Values from the Redis Cluster specification and `CLUSTER KEYSLOT`.
    expect(slotOf('123456789')).toBe(12739);
    expect(slotOf('foo')).toBe(12182);
    expect(slotOf('{user1000}.following')).toBe(slotOf('user1000'));
    // The specification's examples: the first {…} with something in it, from the first {.
    expect(slotOf('foo{bar}{zap}')).toBe(slotOf('bar'));
    expect(slotOf('foo{{bar}}zap')).toBe(slotOf('{bar'));
    expect(slotOf('foo{}{bar}')).not.toBe(slotOf('bar'));
  });

  it('puts every key of a deployment in its hash tag’s one slot', () => {
    const keys = redisKeys('acme');
    const slot = slotOf('acme');
    for (const key of [keys.pause('p1'), keys.expiry, keys.events, keys.wake, keys.waiting('a@b.c'), keys.audit])
      expect(slotOf(key)).toBe(slot);
  });
});
