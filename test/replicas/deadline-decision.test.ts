import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEntry } from '../../src/domain/audit/chain.js';
import { verifyDecision } from '../../src/domain/signing.js';
import type { RunningService } from '../../src/main.js';
import { eventually } from '../helpers/eventually.js';
import { randomPrefix, startRedis, type TestRedis } from '../helpers/redis-server.js';
import { startTestService, TEST_API_KEY, TEST_SIGNING_SECRET } from '../helpers/service.js';
import { rawState } from '../store/conformance/raw.js';

const POLICY = `
rules:
  - name: deploys
    when: { action: "Deploy *" }
    route: { email: ops@acme.com }
    timeout_hours: 0.001
    on_timeout: rejected
`;

describe('two replicas sweeping the same policy decision at the deadline', () => {
  let redis: TestRedis;
  let dir: string;
  let replicas: RunningService[];
  beforeAll(async () => {
    redis = await startRedis();
    dir = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'deadline-replicas-'));
    writeFileSync(join(dir, 'policy.yaml'), POLICY);
    const env = {
      REDIS_URL: redis.url,
      LOOPPAUSE_REDIS_PREFIX: randomPrefix(),
      LOOPPAUSE_POLICY_FILE: join(dir, 'policy.yaml'),
    };
    replicas = [await startTestService(env), await startTestService(env)];
  });
  afterAll(async () => {
    await Promise.all((replicas ?? []).map((r) => r.close()));
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('each pause ends once, with one signed decision dated the deadline and one audit entry', async () => {
    const ids: { id: string; expiresAt: string }[] = [];
    for (let i = 0; i < 6; i++) {
      const replica = replicas[i % 2] as RunningService;
      const res = await fetch(`${replica.url}/v1/pauses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}` },
        body: JSON.stringify({ action_description: `Deploy build ${i}`, action_details: {} }),
      });
      expect(res.status).toBe(201);
      const { pause_id, expires_at } = (await res.json()) as { pause_id: string; expires_at: string };
      ids.push({ id: pause_id, expiresAt: expires_at });
    }
    const store = (replicas[0] as RunningService).store;
    for (const { id } of ids) expect(await rawState(store, id)).not.toContain('sha256=');

    for (const { id, expiresAt } of ids) {
      const pause = await eventually(async () => {
        const read = await store.getPause(id);
        return read?.status === 'responded' ? read : undefined;
      });
      expect(pause.response).toMatchObject({
        decision: 'rejected',
        responder: 'policy:deploys',
        responded_at: expiresAt,
      });
      expect(pause.ended_at).toBe(expiresAt);
      expect(verifyDecision(TEST_SIGNING_SECRET, pause.response, { pause_id: id })).toEqual({ ok: true });
      const endings = (await store.pauseTimeline(id))
        .map((e) => parseEntry(e.body, e.prev))
        .filter((e) => e.type !== 'pause.created' && !e.type.startsWith('pause.deliver'));
      expect(endings.map((e) => e.type)).toEqual(['pause.policy_decided']);
    }
  });
});
