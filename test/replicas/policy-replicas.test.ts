import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/main.js';
import { ENFORCEABLE_POLICY } from '../domain/policy/fixtures.js';
import { eventually } from '../helpers/eventually.js';
import { randomPrefix, startRedis, type TestRedis } from '../helpers/redis-server.js';
import { startTestService, TEST_API_KEY } from '../helpers/service.js';

describe('two replicas on one Redis and one policy file', () => {
  let redis: TestRedis;
  let dir: string;
  let path: string;
  let replicas: RunningService[];
  beforeAll(async () => {
    redis = await startRedis();
    dir = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'policy-replicas-'));
    path = join(dir, 'policy.yaml');
    writeFileSync(path, ENFORCEABLE_POLICY);
    const env = { REDIS_URL: redis.url, LOOPPAUSE_REDIS_PREFIX: randomPrefix(), LOOPPAUSE_POLICY_FILE: path };
    replicas = [await startTestService(env), await startTestService(env)];
  });
  afterAll(async () => {
    await Promise.all((replicas ?? []).map((r) => r.close()));
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const ruleFor = async (replica: RunningService) => {
    const res = await fetch(`${replica.url}/v1/pauses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}` },
      body: JSON.stringify({ action_description: 'Transfer 5 EUR', action_details: {} }),
    });
    const { pause_id } = (await res.json()) as { pause_id: string };
    return (await replica.store.getPause(pause_id))?.policy_rule;
  };

  it('both run the same policy, and converge on a new version of the file', async () => {
    const digests = () => replicas.map((r) => r.policy?.current().digest);
    expect(new Set(digests()).size).toBe(1);
    expect(await Promise.all(replicas.map(ruleFor))).toEqual(['payments', 'payments']);

    writeFileSync(`${path}.next`, ENFORCEABLE_POLICY.replace('name: payments', 'name: transfers'));
    renameSync(`${path}.next`, path);
    await eventually(async () => {
      const rules = await Promise.all(replicas.map(ruleFor));
      return rules.every((rule) => rule === 'transfers') ? true : undefined;
    });
    expect(new Set(digests()).size).toBe(1);
  });
});
