import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CallToolResultSchema, CreateTaskResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionDigest, verifyDecision } from '../../src/domain/signing.js';
import type { RunningService } from '../../src/main.js';
import { verifyIndependently } from '../helpers/independent-receipt.js';
import { connectMcp, toolJson } from '../helpers/mcp-client.js';
import { randomPrefix, startRedis, type TestRedis } from '../helpers/redis-server.js';
import { startTestService, TEST_API_KEY, TEST_SIGNING_SECRET } from '../helpers/service.js';
import { waitingChecks } from '../helpers/settled.js';

const ACTION = {
  action_description: 'Rotate the production database password',
  action_details: { cluster: 'billing-prod' },
};

describe.each(['memory', 'redis'] as const)('MCP tasks/result carries the receipt (%s store)', (kind) => {
  let redis: TestRedis | undefined;
  let running: RunningService;
  let client: Client;
  beforeAll(async () => {
    if (kind === 'redis') redis = await startRedis();
    running = await startTestService(redis ? { REDIS_URL: redis.url, LOOPPAUSE_REDIS_PREFIX: randomPrefix() } : {});
    client = await connectMcp(running.url, TEST_API_KEY);
    // Listed first, so the SDK client checks results against the published output schemas.
    await client.listTools();
  });
  afterAll(async () => {
    await client?.close();
    await running?.close();
    await redis?.stop();
  });

  it('a request_approval task decided while tasks/result waits returns the receipt check_approval gives; it verifies independently', async () => {
    const { task } = await client.request(
      {
        method: 'tools/call',
        params: {
          name: 'request_approval',
          arguments: { ...ACTION, recipient_email: 'ops@example.com' },
          task: { ttl: 60_000 },
        },
      },
      CreateTaskResultSchema,
    );
    const pauseId = (await running.store.listPauses({ agentId: 'agent-a', limit: 1 })).items[0]?.pause_id as string;
    // Held until the decision: no receipt exists yet when tasks/result is asked.
    const waiting = client.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema);
    await waitingChecks(running.url, 1);
    const outcome = await running.service.decide(pauseId, {
      decision: 'approved',
      responder: 'ops@example.com',
      channel: 'web',
      identities: ['ops@example.com'],
    });
    expect(outcome.outcome).toBe('decided');
    const view = toolJson(await waiting);
    const response = view.response as { receipt?: string; nonce: string; responded_at: string };
    expect(typeof response.receipt).toBe('string');
    expect(verifyDecision(TEST_SIGNING_SECRET, response, { pause_id: pauseId, action: ACTION })).toEqual({
      ok: true,
    });

    const jwks = (await (await fetch(`${running.url}/.well-known/jwks.json`)).json()) as { keys: object[] };
    const checked = verifyIndependently(response.receipt as string, jwks);
    if (!checked.ok) throw new Error(checked.reason);
    expect(checked.claims).toMatchObject({
      iss: running.config.publicUrl,
      sub: pauseId,
      jti: response.nonce,
      iat: Math.floor(Date.parse(response.responded_at) / 1000),
      decision: 'approved',
      action_digest: actionDigest(ACTION),
      agent_id: 'agent-a',
      approvers: ['ops@example.com'],
    });

    // The same receipt from check_approval, and from tasks/result asked again once the task is done.
    const viaCheck = toolJson(await client.callTool({ name: 'check_approval', arguments: { pause_id: pauseId } }));
    expect((viaCheck.response as { receipt?: string }).receipt).toBe(response.receipt);
    const again = toolJson(await client.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema));
    expect((again.response as { receipt?: string }).receipt).toBe(response.receipt);
  });
});
