import { describe, expect, it } from 'vitest';
import { redisKeys, redisWebhookKeys } from '../../src/store/redis-keys.js';
import { RedisWebhookStore } from '../../src/store/redis-webhooks.js';
import { redisAdapterFixture } from '../helpers/redis-adapter.js';
import { randomPrefix } from '../helpers/redis-server.js';
import { webhookStoreConformance } from './conformance/webhooks.js';

const redis = redisAdapterFixture();
const client = () => redis.client();

webhookStoreConformance({
  ...redis.factory('redis', (_client, _keys, context) => new RedisWebhookStore(context, 5)),
  deadLetterLimit: 5,
});

describe('Redis webhook store', () => {
  it('lives under the deployment hash tag; an event expires in Redis itself', async () => {
    const keys = redisKeys(randomPrefix());
    const store = new RedisWebhookStore(client(), keys);
    await store.saveEvent(
      { id: 'pse_x.created', type: 'pause.created', pause_id: 'pse_x', body: '{}', fanned_out: false },
      Date.now() + 60_000,
    );
    const ttl = await client().pttl(redisWebhookKeys(keys.base).event('pse_x.created'));
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    const written = await client().keys(`${keys.base}*`);
    expect(written.every((k) => k.startsWith(keys.base))).toBe(true);
    await client().del(...written);
  });

  it('reads an endpoint it cannot parse as absent', async () => {
    const keys = redisKeys(randomPrefix());
    const store = new RedisWebhookStore(client(), keys);
    await client().hset(redisWebhookKeys(keys.base).endpoints, 'whe_junk', '{not json');
    expect(await store.getEndpoint('whe_junk')).toBeNull();
    expect(await store.listEndpoints()).toEqual([]);
    await client().del(redisWebhookKeys(keys.base).endpoints);
  });
});
