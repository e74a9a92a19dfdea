import { expect, it } from 'vitest';
import { redisKeys, redisReceiptKeys } from '../../src/store/redis-keys.js';
import { RedisReceiptRedemptions } from '../../src/store/redis-receipt-redemptions.js';
import { redisAdapterFixture } from '../helpers/redis-adapter.js';
import { randomPrefix } from '../helpers/redis-server.js';
import { receiptRedemptionsConformance } from './conformance/receipt-redemptions.js';

const redis = redisAdapterFixture();

receiptRedemptionsConformance({
  ...redis.factory('redis', (_client, _keys, context) => new RedisReceiptRedemptions(context)),
});

it('keeps a redeemed jti under the hash tag, by its hash, expiring in Redis at the receipt expiry', async () => {
  const client = redis.client();
  const keys = redisKeys(randomPrefix());
  const store = new RedisReceiptRedemptions({ redis: client, keys });
  const now = Date.now();
  await store.redeemReceipt('jti-secret', { pause_id: 'pse_a', redeemed_at: now }, now + 60_000, now);
  const key = redisReceiptKeys(keys.base).redeemed('jti-secret');
  expect(key.startsWith(keys.base)).toBe(true);
  expect(key).not.toContain('jti-secret');
  expect(await client.pexpiretime(key)).toBe(now + 60_000);
  await client.set(key, '{junk');
  expect(await store.redeemReceipt('jti-secret', { pause_id: 'pse_a', redeemed_at: now }, now + 60_000, now)).toEqual({
    outcome: 'used',
    first: { pause_id: '', redeemed_at: 0 },
  });
  await client.del(key);
});
