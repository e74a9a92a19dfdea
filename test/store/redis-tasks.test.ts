import { describe, expect, it } from 'vitest';
import { redisKeys, redisTaskKeys } from '../../src/store/redis-keys.js';
import { RedisTaskStore } from '../../src/store/redis-tasks.js';
import { redisAdapterFixture } from '../helpers/redis-adapter.js';
import { randomPrefix } from '../helpers/redis-server.js';
import { taskStoreConformance } from './conformance/tasks.js';

const redis = redisAdapterFixture();
const client = () => redis.client();

taskStoreConformance((now) => redis.factory('redis', (_client, _keys, context) => new RedisTaskStore(context, now)));

describe('Redis task records', () => {
  it('lives under the deployment hash tag and expires in Redis itself', async () => {
    const keys = redisKeys(randomPrefix());
    const store = new RedisTaskStore(client(), keys);
    const now = Date.now();
    await store.createTask(
      { task_id: 'tsk_a', pause_id: 'pse_a', agent_id: 'agent-a', created_at: new Date(now).toISOString() },
      now + 60_000,
    );
    const written = await client().keys(`${keys.base}*`);
    expect(written.sort()).toEqual(
      [redisTaskKeys(keys.base).agentTasks('agent-a'), redisTaskKeys(keys.base).task('tsk_a')].sort(),
    );
    const ttl = await client().pttl(redisTaskKeys(keys.base).task('tsk_a'));
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    await client().del(...written);
  });

  it('reads a record it cannot parse as absent', async () => {
    const keys = redisKeys(randomPrefix());
    const store = new RedisTaskStore(client(), keys);
    await client().set(redisTaskKeys(keys.base).task('tsk_junk'), '{not json');
    expect(await store.getTask('agent-a', 'tsk_junk')).toBeNull();
    await client().del(redisTaskKeys(keys.base).task('tsk_junk'));
  });
});
