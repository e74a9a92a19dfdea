import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/main.js';
import { createPause } from '../helpers/email.js';
import { eventually } from '../helpers/eventually.js';
import { connectMcp, toolErrorText } from '../helpers/mcp-client.js';
import { type SentinelSet, startSentinelSet } from '../helpers/redis-ha.js';
import { randomPrefix } from '../helpers/redis-server.js';
import { startTestService, TEST_API_KEY } from '../helpers/service.js';
import { waitingChecks } from '../helpers/settled.js';

/**
 * A decision the primary holds but no replica confirms (the replica is stopped with SIGSTOP): the
 * human is told 503, and so is the agent, waiting or asking — it never reads "responded" for a
 * decision a failover could still take back. Once the replica is back the agent reads it.
 */
describe('an agent is not told of a decision no replica holds yet (LOOPPAUSE_REDIS_MIN_REPLICAS=1)', () => {
  let set: SentinelSet;
  let running: RunningService;
  const outbox = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'looppause-silent-outbox-'));

  beforeAll(async () => {
    set = await startSentinelSet();
    // A tool-call rule with "Approve for this session", and the usual routing for the rest.
    const policy = join(outbox, 'policy.yaml');
    writeFileSync(
      policy,
      [
        'rules:',
        '  - name: push',
        '    when: { tool: Bash }',
        '    route: { email: ops@example.com }',
        '    remember: 1h',
        '  - name: requests',
        '    route: { email: ops@example.com }',
        '',
      ].join('\n'),
    );
    running = await startTestService({
      REDIS_URL: set.url,
      LOOPPAUSE_REDIS_PREFIX: randomPrefix(),
      LOOPPAUSE_OUTBOX_DIR: outbox,
      LOOPPAUSE_POLICY_FILE: policy,
    });
  }, 60_000);
  afterAll(async () => {
    await running?.close();
    await set?.stop();
    rmSync(outbox, { recursive: true, force: true });
  });

  const check = (pauseId: string, wait = 0) =>
    fetch(`${running.url}/v1/pauses/${pauseId}${wait > 0 ? `?wait=${wait}` : ''}`, {
      headers: { authorization: `Bearer ${TEST_API_KEY}` },
    });

  it('answers the waiting and the asking agent 503 until the replica holds it, then the decision', async () => {
    const replica = set.servers[1];
    if (!replica) throw new Error('no replica');
    const pauseId = await createPause(running);
    const waiting = check(pauseId, 20);
    await waitingChecks(running.url, 1);
    replica.freeze();
    try {
      await expect(
        running.service.decide(pauseId, {
          decision: 'approved',
          responder: 'human@example.com',
          channel: 'web',
          identities: [],
        }),
      ).rejects.toMatchObject({ code: 'unavailable' });
      // The decision woke the long-poll; it answers 503, not the decision.
      const woken = await waiting;
      expect(woken.status).toBe(503);
      expect(((await woken.json()) as { error: { code: string } }).error.code).toBe('unavailable');
      const asked = await check(pauseId);
      expect(asked.status).toBe(503);
      // The agent's list holds it too: refused as well.
      const listed = await fetch(`${running.url}/v1/pauses?status=responded`, {
        headers: { authorization: `Bearer ${TEST_API_KEY}` },
      });
      expect(listed.status).toBe(503);
      // And so does check_approval over MCP.
      const mcp = await connectMcp(running.url, TEST_API_KEY);
      try {
        const result = await mcp.callTool({ name: 'check_approval', arguments: { pause_id: pauseId } });
        expect(toolErrorText(result)).toContain('unavailable');
      } finally {
        await mcp.close();
      }
    } finally {
      replica.thaw();
    }
    const view = await eventually(async () => {
      const res = await check(pauseId);
      return res.status === 200
        ? ((await res.json()) as { status: string; response: { responder: string } })
        : undefined;
    }, 15_000);
    expect(view.status).toBe('responded');
    expect(view.response.responder).toBe('human@example.com');
    // The human's retry finds it decided.
    const retry = await running.service.decide(pauseId, {
      decision: 'approved',
      responder: 'human@example.com',
      channel: 'web',
      identities: [],
    });
    expect(retry.outcome).toBe('already_final');
  }, 60_000);

  it('a session approval is not handed on either while no replica confirms: the same call is denied, then allowed', async () => {
    const replica = set.servers[1];
    if (!replica) throw new Error('no replica');
    const call = (toolUseId: string) =>
      fetch(`${running.url}/v1/tool-calls`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          tool: 'Bash',
          input: { command: 'git push origin main' },
          session_id: 'sess-silent',
          cwd: '/repo',
          tool_use_id: toolUseId,
        }),
      }).then(async (res) => ({
        status: res.status,
        body: (await res.json()) as { decision: string; pause_id?: string },
      }));
    const first = await call('toolu_a');
    expect(first.body.decision).toBe('pending');
    const decided = await running.service.decide(first.body.pause_id as string, {
      decision: 'approved',
      responder: 'ops@example.com',
      channel: 'email',
      identities: ['ops@example.com'],
      remember: true,
    });
    expect(decided.outcome).toBe('decided');
    replica.freeze();
    try {
      const again = await call('toolu_b');
      expect(again.body.decision).not.toBe('allow');
    } finally {
      replica.thaw();
    }
    const later = await eventually(async () => {
      const answer = await call('toolu_c');
      return answer.body.decision === 'allow' ? answer : undefined;
    }, 15_000);
    expect(later.body.pause_id).toBe(first.body.pause_id);
  }, 60_000);
});
