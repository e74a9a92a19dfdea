import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyDecision } from '../../src/domain/signing.js';
import type { RunningService } from '../../src/main.js';
import { startCluster, type TestCluster } from '../helpers/redis-ha.js';
import { randomPrefix } from '../helpers/redis-server.js';
import { startTestService, TEST_API_KEY, TEST_SIGNING_SECRET } from '../helpers/service.js';
import { waitingChecks } from '../helpers/settled.js';

describe('two replicas on a three-primary Redis Cluster', () => {
  let cluster: TestCluster;
  let a: RunningService;
  let b: RunningService;

  beforeAll(async () => {
    cluster = await startCluster();
    const env = { REDIS_URL: cluster.url, LOOPPAUSE_REDIS_PREFIX: randomPrefix() };
    a = await startTestService(env);
    b = await startTestService(env);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await cluster?.stop();
  });

  const rest = (svc: RunningService, path: string, init: RequestInit = {}) =>
    fetch(`${svc.url}${path}`, {
      ...init,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}` },
    });

  it('each wakes the other’s long-poll with the one signed decision', async () => {
    for (const [creator, waiter, decider] of [
      [a, b, a],
      [b, a, b],
    ] as const) {
      const body = { action_description: 'Ship it', action_details: {}, recipient_email: 'a@example.com' };
      const created = (await (
        await rest(creator, '/v1/pauses', { method: 'POST', body: JSON.stringify(body) })
      ).json()) as { pause_id: string };
      const waiting = rest(waiter, `/v1/pauses/${created.pause_id}?wait=20`);
      await waitingChecks(waiter.url, 1);
      const outcome = await decider.service.decide(created.pause_id, {
        decision: 'approved',
        responder: 'human@example.com',
        channel: 'web',
        identities: [],
      });
      expect(outcome.outcome).toBe('decided');
      const view = (await (await waiting).json()) as { status: string; response: unknown };
      expect(view.status).toBe('responded');
      expect(
        verifyDecision(TEST_SIGNING_SECRET, view.response as never, { pause_id: created.pause_id, action: body }).ok,
      ).toBe(true);
    }
  });

  it('is ready, on the cluster', async () => {
    expect((await fetch(`${a.url}/readyz`)).status).toBe(200);
    expect(await (await fetch(`${b.url}/readyz`)).json()).toMatchObject({ status: 'ready', store: 'redis' });
  });
});
