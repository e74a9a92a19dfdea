import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyDecision } from '../../src/domain/signing.js';
import type { RunningService } from '../../src/main.js';
import { randomPrefix, startRedis, type TestRedis } from '../helpers/redis-server.js';
import { startTestService, TEST_API_KEY, TEST_SIGNING_SECRET } from '../helpers/service.js';
import { waitingChecks } from '../helpers/settled.js';

describe('two replicas on one Redis', () => {
  let redis: TestRedis;
  let a: RunningService;
  let b: RunningService;

  beforeAll(async () => {
    redis = await startRedis();
    const env = { REDIS_URL: redis.url, LOOPPAUSE_REDIS_PREFIX: randomPrefix() };
    a = await startTestService(env);
    b = await startTestService(env);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await redis?.stop();
  });

  const rest = (svc: RunningService, path: string, init: RequestInit = {}) =>
    fetch(`${svc.url}${path}`, {
      ...init,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}` },
    });

  it('creates on A, waits on B, is decided on A: B wakes with the one signed decision', async () => {
    const body = { action_description: 'Ship it', action_details: {}, recipient_email: 'a@example.com' };
    const created = (await (await rest(a, '/v1/pauses', { method: 'POST', body: JSON.stringify(body) })).json()) as {
      pause_id: string;
    };
    const waiting = rest(b, `/v1/pauses/${created.pause_id}?wait=20`);
    // B holds the check open (it watches the pause) before the decisions race.
    await waitingChecks(b.url, 1);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? a : b).service.decide(created.pause_id, {
          decision: i % 3 ? 'approved' : 'rejected',
          responder: `human${i}@example.com`,
          channel: 'web',
          identities: [],
        }),
      ),
    );
    expect(results.filter((r) => r.outcome === 'decided')).toHaveLength(1);
    const view = (await (await waiting).json()) as { status: string; response: { responder: string } };
    expect(view.status).toBe('responded');
    expect(verifyDecision(TEST_SIGNING_SECRET, view.response, { pause_id: created.pause_id, action: body }).ok).toBe(
      true,
    );
    const fromA = (await (await rest(a, `/v1/pauses/${created.pause_id}`)).json()) as { response: unknown };
    expect(fromA.response).toEqual(view.response);
  });

  it('reports readiness from the store', async () => {
    expect((await fetch(`${a.url}/readyz`)).status).toBe(200);
    expect(await (await fetch(`${b.url}/readyz`)).json()).toMatchObject({ store: 'redis' });
  });
});
