import { expect, it } from 'vitest';
import { RedisDelegations } from '../../src/store/redis-delegations.js';
import { redisDelegationKeys, redisKeys } from '../../src/store/redis-keys.js';
import { redisAdapterFixture } from '../helpers/redis-adapter.js';
import { randomPrefix } from '../helpers/redis-server.js';
import { delegationsConformance } from './conformance/delegations.js';

const redis = redisAdapterFixture();

delegationsConformance({
  ...redis.factory('redis', (_client, _keys, context) => new RedisDelegations(context)),
});

it('keeps delegations in one hash under the hash tag, and never counts a field that does not parse', async () => {
  const client = redis.client();
  const keys = redisKeys(randomPrefix());
  const store = new RedisDelegations({ redis: client, keys });
  const now = Date.now();
  const record = {
    absent: 'sarah@acme.com',
    delegate: 'bob@acme.com',
    from: new Date(now).toISOString(),
    until: new Date(now + 60_000).toISOString(),
    set_by: 'sarah@acme.com',
  };
  await store.setDelegation(record, now);
  const key = redisDelegationKeys(keys.base).all;
  expect(key.startsWith(keys.base)).toBe(true);
  expect(Object.keys(await client.hgetall(key))).toEqual(['sarah@acme.com']);
  await client.hset(key, 'carol@acme.com', 'not a record');
  await client.hset(key, 'erin@acme.com', `${now + 60_000}|fay@acme.com|{not json`);
  expect(await store.listDelegations(now)).toEqual([record]);
  // A field without its parts is dropped on the next write and is not in the way of it; one whose
  // record does not parse is never listed, yet still counts against loops (fail closed).
  await store.setDelegation({ ...record, absent: 'dan@acme.com', delegate: 'carol@acme.com' }, now);
  expect(Object.keys(await client.hgetall(key)).sort()).toEqual(['dan@acme.com', 'erin@acme.com', 'sarah@acme.com']);
  expect(
    (await store.setDelegation({ ...record, absent: 'fay@acme.com', delegate: 'gil@acme.com' }, now)).outcome,
  ).toBe('conflict');
});
