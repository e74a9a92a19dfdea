import { mkdtempSync, rmSync } from 'node:fs';
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
    running = await startTestService({
      REDIS_URL: set.url,
      LOOPPAUSE_REDIS_PREFIX: randomPrefix(),
      LOOPPAUSE_OUTBOX_DIR: outbox,
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
});
