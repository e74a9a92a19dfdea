import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhooksCommand } from '../../src/cli/webhooks.js';
import { parseConfig } from '../../src/config.js';
import { deliveryJobId } from '../../src/jobs/job-kinds.js';
import { RedisStore } from '../../src/store/redis-store.js';
import { RedisWebhookStore } from '../../src/store/redis-webhooks.js';
import type { Resolver } from '../../src/webhook/ssrf-guard.js';
import { randomPrefix, startRedis, type TestRedis } from '../helpers/redis-server.js';
import { TEST_SIGNING_SECRET } from '../helpers/service.js';

const resolve: Resolver = async () => [{ address: '93.184.216.34', family: 4 }];

describe('looppause webhooks redrive (the CLI: an admin over Redis, no delivery machinery)', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis.stop();
  });

  it('queues the dead letters of enabled endpoints as delivery jobs for the servers, and skips the others', async () => {
    const prefix = randomPrefix();
    const parsed = parseConfig({
      REDIS_URL: redis.url,
      LOOPPAUSE_REDIS_PREFIX: prefix,
      LOOPPAUSE_SIGNING_SECRET: TEST_SIGNING_SECRET,
    });
    if (!parsed.ok) throw new Error(parsed.errors.join());
    const run = async (...args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await webhooksCommand(parsed.config, args, {
        out: (s) => out.push(s),
        err: (s) => err.push(s),
        resolve,
      });
      return { code, out: out.join(''), err: err.join('') };
    };
    const added = [];
    for (const path of ['/on', '/off']) {
      const { code, out } = await run('add', `https://hooks.example.com${path}`, '--events', 'pause.created');
      expect(code).toBe(0);
      added.push((JSON.parse(out) as { id: string }).id);
    }
    const [on, off] = added as [string, string];

    const store = new RedisStore({ url: redis.url, prefix });
    await store.connect();
    try {
      const webhooks = new RedisWebhookStore(store.connection);
      await webhooks.updateEndpoint(off, { enabled: false, disabled_reason: 'HTTP 410 Gone' });
      for (const endpointId of [on, off]) {
        await webhooks.addDeadLetter({
          endpoint_id: endpointId,
          event: {
            id: 'pause_1.created',
            type: 'pause.created',
            pause_id: 'pause_1',
            body: '{"type":"pause.created"}',
          },
          failed_at: new Date().toISOString(),
          attempts: 13,
          last_error: 'HTTP 500',
        });
      }

      const { code, err } = await run('redrive');
      expect(code).toBe(0);
      expect(err).toBe('Redriven 1; 1 skipped (endpoint disabled or removed: enable it first).\n');
      const jobs = await store.claimDueJobs(Date.now() + 1000, 60_000, 100);
      expect(jobs.map((j) => [j.id, j.kind, j.data])).toEqual([
        [
          deliveryJobId(on, 'pause_1.created'),
          'webhook.deliver',
          { pause_id: 'pause_1', endpoint_id: on, event_id: 'pause_1.created' },
        ],
      ]);
      expect(await webhooks.getEvent('pause_1.created')).toMatchObject({ body: '{"type":"pause.created"}' });
      expect((await webhooks.listDeadLetters()).map((l) => l.endpoint_id)).toEqual([off]);
      expect(await webhooks.pendingCount()).toBe(1);
    } finally {
      await store.close();
    }
  });
});
