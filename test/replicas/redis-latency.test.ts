import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyDecision } from '../../src/domain/signing.js';
import type { RunningService } from '../../src/main.js';
import { randomPrefix, startRedis, type TestRedis } from '../helpers/redis-server.js';
import { startTestService, TEST_API_KEY, TEST_SIGNING_SECRET } from '../helpers/service.js';
import { waitingChecks } from '../helpers/settled.js';

const ACTION = { action_description: 'Scale the cluster to 0', action_details: { cluster: 'batch' } };

/**
 * Redis stalls (CLIENT PAUSE ALL, as in a failover: no client's command is answered until it ends):
 * agents wait it out and get answers. The pause is in effect once its own OK is back, so every
 * request below meets it.
 */
describe.skipIf(process.env.REDIS_URL)('Redis latency spikes', () => {
  let redis: TestRedis;
  let running: RunningService;
  let admin: Redis;

  beforeAll(async () => {
    redis = await startRedis();
    running = await startTestService({ REDIS_URL: redis.url, LOOPPAUSE_REDIS_PREFIX: randomPrefix() });
    admin = new Redis(redis.url);
  });
  afterAll(async () => {
    admin?.disconnect();
    await running?.close();
    await redis?.stop();
  });

  const rest = (path: string, init: RequestInit = {}) =>
    fetch(`${running.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
    });
  const create = async () => {
    const res = await rest('/v1/pauses', {
      method: 'POST',
      body: JSON.stringify({ ...ACTION, recipient_email: 'ops@example.com' }),
    });
    return { status: res.status, body: (await res.json()) as { pause_id: string; status: string } };
  };

  it('a 1.5 s stall: creates, checks and a decision all complete, a waiting check wakes, nothing else is decided', async () => {
    const waitingOn = (await create()).body.pause_id;
    const bystander = (await create()).body.pause_id;
    const waiting = rest(`/v1/pauses/${waitingOn}?wait=30`);
    await waitingChecks(running.url, 1);

    await admin.call('CLIENT', 'PAUSE', '1500', 'ALL');
    // All of these reach the service while Redis answers nobody.
    const [created, checked, decided] = await Promise.all([
      create(),
      rest(`/v1/pauses/${bystander}`),
      running.service.decide(waitingOn, {
        decision: 'approved',
        comment: 'after the stall',
        responder: 'ops@example.com',
        channel: 'email',
        identities: [],
      }),
    ]);
    expect(created.status).toBe(201);
    expect(created.body.status).toBe('pending');
    expect(checked.status).toBe(200);
    expect(((await checked.json()) as { status: string }).status).toBe('pending');
    expect(decided.outcome).toBe('decided');

    const woke = (await (await waiting).json()) as { status: string; response: unknown };
    expect(woke.status).toBe('responded');
    expect(verifyDecision(TEST_SIGNING_SECRET, woke.response, { pause_id: waitingOn, action: ACTION }).ok).toBe(true);

    // The service decided nothing by itself: the others are still pending, and it is ready.
    for (const id of [bystander, created.body.pause_id]) {
      expect(((await (await rest(`/v1/pauses/${id}`)).json()) as { status: string }).status).toBe('pending');
    }
    expect((await fetch(`${running.url}/readyz`)).status).toBe(200);
  });
});
