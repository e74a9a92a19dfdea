import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/main.js';
import { eventually } from '../helpers/eventually.js';
import { randomPrefix, startRedis, type TestRedis } from '../helpers/redis-server.js';
import { startTestService, TEST_API_KEY } from '../helpers/service.js';

/** Polls, counting a failed probe (Redis or the service still down) as not yet. */
const until = <T>(probe: () => Promise<T | undefined>) => eventually(() => probe().catch(() => undefined), 15_000);

describe('Redis killed with SIGKILL and restarted (AOF, appendfsync always)', () => {
  let redis: TestRedis;
  let running: RunningService;
  beforeAll(async () => {
    redis = await startRedis();
    running = await startTestService({ REDIS_URL: redis.url, LOOPPAUSE_REDIS_PREFIX: randomPrefix() });
  });
  afterAll(async () => {
    await running?.close();
    await redis?.stop();
  });

  const rest = (path: string, init: RequestInit = {}) =>
    fetch(`${running.url}${path}`, {
      ...init,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}` },
    });
  const body = JSON.stringify({ action_description: 'Migrate', action_details: {}, recipient_email: 'a@example.com' });

  it('loses nothing acknowledged, reports the outage, and reconnects by itself', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await rest('/v1/pauses', { method: 'POST', body });
      expect(res.status).toBe(201);
      ids.push(((await res.json()) as { pause_id: string }).pause_id);
    }
    const decided = ids.slice(0, 5);
    for (const id of decided) {
      const outcome = await running.service.decide(id, {
        decision: 'approved',
        responder: 'a@example.com',
        channel: 'web',
        identities: [],
      });
      expect(outcome.outcome).toBe('decided');
    }

    await redis.kill();
    await until(async () => ((await fetch(`${running.url}/readyz`)).status === 503 ? true : undefined));
    const during = await rest('/v1/pauses', { method: 'POST', body });
    expect(during.status).toBe(503);
    expect(await during.json()).toMatchObject({ error: { code: 'unavailable' } });

    await redis.restart();
    await until(async () => ((await fetch(`${running.url}/readyz`)).status === 200 ? true : undefined));
    for (const id of ids) {
      const res = await until(async () => {
        const r = await rest(`/v1/pauses/${id}`);
        return r.status === 200 ? r : undefined;
      });
      const view = (await res.json()) as { status: string };
      expect(view.status).toBe(decided.includes(id) ? 'responded' : 'pending');
    }
    expect((await rest('/v1/pauses', { method: 'POST', body })).status).toBe(201);
  });
});
