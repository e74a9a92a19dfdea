import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Progress } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/main.js';
import { eventually } from '../helpers/eventually.js';
import { type HttpUpstream, startHttpUpstream } from '../helpers/http-upstream.js';
import { randomPrefix, startRedis, type TestRedis } from '../helpers/redis-server.js';
import { startTestService } from '../helpers/service.js';
import { agent, approve, auditEvents, pendingPause, resultText } from './agent.js';

const TOKEN = 'replica-token-0123456789';
const POLICY = `
gateway_default_route: { email: ops@example.com }
rules:
  - name: never-prod
    when: { tool: "mcp__records__delete_record", if: 'input.id.startsWith("prod-")' }
    decide: rejected
`;

describe('the gateway on two replicas sharing one Redis', () => {
  const tmp = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'gateway-replicas-'));
  let redis: TestRedis;
  let records: HttpUpstream;
  let a: RunningService;
  let b: RunningService;

  beforeAll(async () => {
    redis = await startRedis();
    records = await startHttpUpstream({ token: TOKEN });
    writeFileSync(join(tmp, 'policy.yaml'), POLICY);
    writeFileSync(
      join(tmp, 'gateway.yaml'),
      `servers:\n  records: { url: ${JSON.stringify(records.url)}, headers: { Authorization: "Bearer \${TOKEN}" } }\n`,
    );
    const env = {
      REDIS_URL: redis.url,
      LOOPPAUSE_REDIS_PREFIX: randomPrefix(),
      LOOPPAUSE_POLICY_FILE: join(tmp, 'policy.yaml'),
      LOOPPAUSE_GATEWAY_FILE: join(tmp, 'gateway.yaml'),
      LOOPPAUSE_GATEWAY_WAIT_SECONDS: '3',
      TOKEN,
    };
    a = await startTestService(env);
    b = await startTestService(env);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await records?.stop();
    await redis?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('a call held on A is approved through B and forwarded once, by A', async () => {
    const onA = await agent(a, 'records');
    try {
      const call = onA.callTool({ name: 'delete_record', arguments: { id: 'r-1' } });
      const pauseId = await pendingPause(b, 'mcp__records__delete_record', { id: 'r-1' });
      expect(records.deleted).toEqual([]);
      await approve(b, pauseId);
      expect(resultText(await call)).toBe('deleted r-1');
      expect(records.deleted).toEqual([{ id: 'r-1' }]);
      const forwarded = (await auditEvents(b, pauseId)).filter((e) => e.type === 'tool.forwarded');
      expect(forwarded).toHaveLength(1);
    } finally {
      await onA.close();
    }
  });

  it('"approval pending" on A, then the same call on B re-attaches to the same pause and runs once', async () => {
    const onA = await agent(a, 'records');
    const onB = await agent(b, 'records');
    try {
      const first = await onA.callTool({ name: 'delete_record', arguments: { id: 'r-2' } });
      expect(first.isError).toBe(true);
      const pauseId = /approval pending \(pause (pse_\w+)\)/.exec(resultText(first))?.[1];
      expect(pauseId).toBeDefined();

      const progress: Progress[] = [];
      const again = onB.callTool({ name: 'delete_record', arguments: { id: 'r-2' } }, undefined, {
        onprogress: (p) => progress.push(p),
      });
      // B says which pause it waits on: the one A made, not a new question.
      const told = await eventually(() => progress[0]);
      expect(told.message).toContain(`pause ${pauseId}`);
      expect(records.deleted).toEqual([{ id: 'r-1' }]);

      await approve(a, pauseId as string);
      const answer = await again;
      expect(answer.isError, resultText(answer)).not.toBe(true);
      expect(resultText(answer)).toBe('deleted r-2');
      expect(records.deleted).toEqual([{ id: 'r-1' }, { id: 'r-2' }]);
      expect((await auditEvents(a, pauseId as string)).filter((e) => e.type === 'tool.forwarded')).toHaveLength(1);

      // The approval is used up: the same call once more is a new question, not a second run.
      const third = await onA.callTool({ name: 'delete_record', arguments: { id: 'r-2' } });
      expect(third.isError).toBe(true);
      const thirdPause = /approval pending \(pause (pse_\w+)\)/.exec(resultText(third))?.[1];
      expect(thirdPause).toBeDefined();
      expect(thirdPause).not.toBe(pauseId);
      expect(records.deleted).toHaveLength(2);
    } finally {
      await onA.close();
      await onB.close();
    }
  });
});
