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
  await store.redeemReceipt('jti-secret', { pause_id: 'pse_a', redeemed_at: now }, now + 3_600_000, now);
  const key = redisReceiptKeys(keys.base).redeemed('jti-secret');
  expect(key.startsWith(keys.base)).toBe(true);
  expect(key).not.toContain('jti-secret');
  expect(await client.pexpiretime(key)).toBe(now + 3_600_000);
  expect(await client.get(key)).toBe(`${now + 3_600_000}|${JSON.stringify({ pause_id: 'pse_a', redeemed_at: now })}`);
  await client.set(key, '{junk');
  expect(await store.redeemReceipt('jti-secret', { pause_id: 'pse_a', redeemed_at: now }, now + 60_000, now)).toEqual({
    outcome: 'used',
    first: { pause_id: '', redeemed_at: 0 },
  });
  await client.del(key);
});

it("never lets Redis drop a record within a minute of its own now, so a lagging caller's clock cannot redeem twice", async () => {
  const client = redis.client();
  const keys = redisKeys(randomPrefix());
  const store = new RedisReceiptRedemptions({ redis: client, keys });
  // The caller's clock is ten minutes behind Redis's; the receipt expires in 30 s by the caller's clock.
  const lagging = Date.now() - 600_000;
  const record = { pause_id: 'pse_a', redeemed_at: lagging };
  expect(await store.redeemReceipt('skewed', record, lagging + 30_000, lagging)).toEqual({ outcome: 'redeemed' });
  const key = redisReceiptKeys(keys.base).redeemed('skewed');
  expect(await client.pexpiretime(key)).toBeGreaterThan(Date.now() + 50_000);
  expect(await store.redeemReceipt('skewed', record, lagging + 30_000, lagging + 10)).toEqual({
    outcome: 'used',
    first: record,
  });
  // Past the receipt's expiry by the caller's clock the record no longer counts, as in memory.
  expect(await store.redeemReceipt('skewed', record, lagging + 90_000, lagging + 30_000)).toEqual({
    outcome: 'redeemed',
  });
  await client.del(key);
});
