import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/main.js';
import { randomPrefix, startRedis, type TestRedis } from '../helpers/redis-server.js';
import { startTestService, TEST_API_KEY } from '../helpers/service.js';

const POLICY = `
rules:
  - name: push
    when: { tool: Bash, if: 'input.command.startsWith("git push")' }
    route: { email: ops@example.com }
    remember: 1h
`;

interface Answer {
  decision: string;
  pause_id?: string;
  reason?: string;
}

async function toolCall(svc: RunningService, body: unknown, wait = 0): Promise<Answer> {
  const res = await fetch(`${svc.url}/v1/tool-calls?wait=${wait}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Answer;
}

const call = (session: string, command = 'git push origin main', id?: string) => ({
  tool: 'Bash',
  input: { command },
  session_id: session,
  ...(id === undefined ? {} : { tool_use_id: id }),
});

describe('tool calls across two replicas on one Redis', () => {
  let redis: TestRedis;
  let a: RunningService;
  let b: RunningService;
  const tmp = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'tool-replicas-'));

  beforeAll(async () => {
    redis = await startRedis();
    const policy = join(tmp, 'policy.yaml');
    writeFileSync(policy, POLICY);
    const env = { REDIS_URL: redis.url, LOOPPAUSE_REDIS_PREFIX: randomPrefix(), LOOPPAUSE_POLICY_FILE: policy };
    a = await startTestService(env);
    b = await startTestService(env);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await redis?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('a hook waiting on one replica is answered by a decision on the other', async () => {
    const waiting = toolCall(a, call('s-wait', 'git push origin main', 'toolu_a'), 30);
    // The same call on the other replica joins the question and names it.
    let pauseId: string | undefined;
    for (let i = 0; i < 200 && pauseId === undefined; i++) {
      const joined = await toolCall(b, call('s-wait'));
      if (joined.decision === 'pending') pauseId = joined.pause_id;
    }
    expect(pauseId).toBeDefined();
    const decided = await b.service.decide(pauseId as string, {
      decision: 'approved',
      responder: 'ops@example.com',
      channel: 'email',
      identities: ['ops@example.com'],
    });
    expect(decided.outcome).toBe('decided');
    expect(await waiting).toMatchObject({ decision: 'allow', pause_id: pauseId });
  });

  it('identical calls racing on both replicas make one question', async () => {
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => toolCall(i % 2 ? a : b, call('s-race'))));
    expect(new Set(answers.map((x) => x.pause_id)).size).toBe(1);
    expect(answers.every((x) => x.decision === 'pending')).toBe(true);
  });

  it('an approval for the session on one replica lets the same call through on the other; another command asks', async () => {
    const { pause_id: pauseId } = await toolCall(a, call('s-remember'));
    await a.service.decide(pauseId as string, {
      decision: 'approved',
      responder: 'ops@example.com',
      channel: 'email',
      identities: ['ops@example.com'],
      remember: true,
    });
    expect(await toolCall(b, call('s-remember', 'git push origin main', 'toolu_later'))).toMatchObject({
      decision: 'allow',
      pause_id: pauseId,
    });
    expect((await toolCall(b, call('s-remember', 'git push --force origin main'))).decision).toBe('pending');
  });
});
