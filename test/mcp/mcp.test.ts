import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyDecision } from '../../src/domain/signing.js';
import type { RunningService } from '../../src/main.js';
import { connectMcp, toolErrorText, toolJson } from '../helpers/mcp-client.js';
import { randomPrefix, startRedis, type TestRedis } from '../helpers/redis-server.js';
import { OTHER_API_KEY, startTestService, TEST_API_KEY, TEST_SIGNING_SECRET } from '../helpers/service.js';
import { settled, waitingChecks } from '../helpers/settled.js';

const request = {
  action_description: 'Delete the staging bucket',
  action_details: { bucket: 'staging-assets', objects: '1204' },
  recipient_email: 'ops@example.com',
};

for (const storeKind of ['memory', 'redis'] as const) {
  describe(`MCP over Streamable HTTP (${storeKind} store)`, () => {
    let redis: TestRedis | undefined;
    let running: RunningService;
    let client: Client;

    beforeAll(async () => {
      if (storeKind === 'redis') redis = await startRedis();
      running = await startTestService(redis ? { REDIS_URL: redis.url, LOOPPAUSE_REDIS_PREFIX: randomPrefix() } : {});
      client = await connectMcp(running.url, TEST_API_KEY);
    });
    afterAll(async () => {
      await client?.close();
      await running?.close();
      await redis?.stop();
    });

    it('lists the three tools with schemas, output schemas and annotations', async () => {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toEqual(['request_approval', 'check_approval', 'cancel_approval']);
      const req = tools.find((t) => t.name === 'request_approval');
      expect(req?.inputSchema.required).toEqual(['action_description', 'action_details']);
      expect(Object.keys(req?.inputSchema.properties ?? {})).toEqual(
        expect.arrayContaining([
          'recipient_email',
          'recipient_slack',
          'timeout_hours',
          'idempotency_key',
          'response_fields',
          'approvers',
        ]),
      );
      for (const tool of tools) {
        expect(tool.outputSchema?.type).toBe('object');
        expect(tool.annotations).toBeDefined();
        expect(tool.description?.length).toBeGreaterThan(80);
      }
      expect(client.getServerVersion()?.name).toBe('looppause');
    });

    it('requests, waits, is decided by a human and returns a signed decision', async () => {
      const created = toolJson(await client.callTool({ name: 'request_approval', arguments: request }));
      expect(created).toMatchObject({
        status: 'pending',
        MANDATORY_NEXT_STEP: expect.stringContaining('check_approval'),
      });
      const pauseId = created.pause_id as string;
      expect(pauseId).toMatch(/^pse_[a-z2-7]{26}$/);

      const pending = toolJson(await client.callTool({ name: 'check_approval', arguments: { pause_id: pauseId } }));
      expect(pending.status).toBe('pending');

      const waiting = client.callTool({ name: 'check_approval', arguments: { pause_id: pauseId, wait_seconds: 20 } });
      // The check is held (it watches the pause) before the human decides.
      await waitingChecks(running.url, 1);
      const decided = await running.service.decide(pauseId, {
        decision: 'approved',
        comment: 'go ahead',
        responder: 'ada@example.com',
        channel: 'web',
        identities: ['ada@example.com'],
      });
      expect(decided.outcome).toBe('decided');
      const result = toolJson(await waiting);
      expect(result).toMatchObject({ pause_id: pauseId, agent_id: 'agent-a', status: 'responded' });
      const response = result.response as Record<string, unknown>;
      expect(response).toMatchObject({
        decision: 'approved',
        comment: 'go ahead',
        responder: 'ada@example.com',
        pause_id: pauseId,
      });
      expect(verifyDecision(TEST_SIGNING_SECRET, response, { pause_id: pauseId, action: request }).ok).toBe(true);
    });

    it('returns the same pause for a repeated idempotency key', async () => {
      const args = { ...request, idempotency_key: `deploy-${Math.random()}` };
      const a = toolJson(await client.callTool({ name: 'request_approval', arguments: args }));
      const b = toolJson(await client.callTool({ name: 'request_approval', arguments: args }));
      expect(b.pause_id).toBe(a.pause_id);
    });

    it('refuses a repeated idempotency key for another action with a tool error naming idempotency_key', async () => {
      const key = `refund-${Math.random()}`;
      const first = toolJson(
        await client.callTool({ name: 'request_approval', arguments: { ...request, idempotency_key: key } }),
      );
      await running.service.decide(first.pause_id as string, {
        decision: 'approved',
        comment: '',
        responder: 'ops@example.com',
        channel: 'email',
        identities: ['ops@example.com'],
      });
      const other = { ...request, action_description: 'Delete the production bucket', idempotency_key: key };
      const refused = await client.callTool({ name: 'request_approval', arguments: other });
      expect(refused.isError).toBe(true);
      expect(toolErrorText(refused)).toMatch(/^Error \(conflict\): idempotency_key: .*different request/);
      const listed = await running.store.listPauses({ agentId: 'agent-a', limit: 100 });
      expect(listed.items.filter((p) => p.request.idempotency_key === key).map((p) => p.pause_id)).toEqual([
        first.pause_id,
      ]);
    });

    it('cancels a pending pause once and says so the second time', async () => {
      const { pause_id } = toolJson(await client.callTool({ name: 'request_approval', arguments: request }));
      const first = toolJson(
        await client.callTool({ name: 'cancel_approval', arguments: { pause_id, reason: 'plan changed' } }),
      );
      expect(first).toMatchObject({ cancelled: true, status: 'expired' });
      const second = toolJson(await client.callTool({ name: 'cancel_approval', arguments: { pause_id } }));
      expect(second).toMatchObject({
        cancelled: false,
        status: 'expired',
        message: expect.stringContaining('already ended'),
      });
      const check = toolJson(await client.callTool({ name: 'check_approval', arguments: { pause_id } }));
      expect(check).toMatchObject({ status: 'expired', cancel_reason: 'plan changed' });
    });

    it('times out a short request even when nobody polls', async () => {
      const { pause_id } = toolJson(
        await client.callTool({ name: 'request_approval', arguments: { ...request, timeout_hours: 0.0002 } }),
      );
      // Its deadline (720 ms on) is due work: settled once the runner has timed it out.
      await settled(running);
      const pause = await running.store.getPause(pause_id as string);
      expect(pause?.status).toBe('timed_out');
      const check = toolJson(await client.callTool({ name: 'check_approval', arguments: { pause_id } }));
      expect(check.status).toBe('timed_out');
      expect(check.response).toBeUndefined();
    });

    it('a waiting check returns at the deadline with timed_out', async () => {
      const { pause_id } = toolJson(
        await client.callTool({ name: 'request_approval', arguments: { ...request, timeout_hours: 0.0003 } }),
      );
      const check = toolJson(
        await client.callTool({ name: 'check_approval', arguments: { pause_id, wait_seconds: 10 } }),
      );
      expect(check.status).toBe('timed_out');
    });

    it('rejects bad arguments with a tool error naming the field, and stores nothing', async () => {
      const before = await running.service.list('agent-a', { limit: 100 });
      const cases: [string, Record<string, unknown>, string][] = [
        ['request_approval', { ...request, action_description: '' }, 'action_description: must not be empty'],
        ['request_approval', { ...request, timeout_hours: 500 }, 'timeout_hours: must be at most 168'],
        [
          'request_approval',
          { action_description: 'x', action_details: {} },
          'at least one of recipient_email or recipient_slack',
        ],
        ['request_approval', { ...request, recipient_email: 'nope' }, 'recipient_email: must be an e-mail address'],
        [
          'request_approval',
          { ...request, recipient_email: undefined, recipient_slack: '#ops' },
          'Slack is not configured',
        ],
        ['check_approval', { pause_id: 'pse_aaaaaaaaaaaaaaaaaaaaaaaaaa' }, 'No pause with id'],
        ['check_approval', { pause_id: 'x' }, 'pause_id: must be a pause id'],
        [
          'check_approval',
          { pause_id: 'pse_aaaaaaaaaaaaaaaaaaaaaaaaaa', wait_seconds: 99 },
          'wait_seconds: must be at most 50',
        ],
        ['cancel_approval', {}, 'pause_id: is required'],
      ];
      for (const [name, args, message] of cases) {
        const text = toolErrorText(await client.callTool({ name, arguments: args }));
        expect(text, name).toContain(message);
        expect(text).not.toMatch(/at .*\.(ts|js):\d+/);
      }
      const after = await running.service.list('agent-a', { limit: 100 });
      expect(after.items.map((p) => p.pause_id)).toEqual(before.items.map((p) => p.pause_id));
    });

    it("hides another key's pauses", async () => {
      const { pause_id } = toolJson(await client.callTool({ name: 'request_approval', arguments: request }));
      const other = await connectMcp(running.url, OTHER_API_KEY);
      const text = toolErrorText(await other.callTool({ name: 'check_approval', arguments: { pause_id } }));
      expect(text).toContain('No pause with id');
      expect(toolErrorText(await other.callTool({ name: 'cancel_approval', arguments: { pause_id } }))).toContain(
        'No pause',
      );
      await other.close();
    });
  });
}

describe('MCP HTTP edges', () => {
  let running: RunningService;
  beforeAll(async () => {
    running = await startTestService();
  });
  afterAll(async () => {
    await running.close();
  });

  const rpc = (init: RequestInit & { headers?: Record<string, string> }) =>
    fetch(`${running.url}/mcp`, {
      method: 'POST',
      ...init,
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: `Bearer ${TEST_API_KEY}`,
        ...init.headers,
      },
    });

  it('refuses a missing or wrong key with a JSON 401', async () => {
    for (const authorization of ['', 'Bearer wrong-key-0123456789', 'Basic abc']) {
      const res = await rpc({ body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}', headers: { authorization } });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('Bearer');
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    }
  });

  it('answers GET and DELETE with 405 (stateless)', async () => {
    for (const method of ['GET', 'DELETE']) {
      const res = await fetch(`${running.url}/mcp`, { method, headers: { authorization: `Bearer ${TEST_API_KEY}` } });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
    }
  });

  it('blocks DNS rebinding: foreign Host or Origin → 403', async () => {
    const body = '{"jsonrpc":"2.0","id":1,"method":"tools/list"}';
    expect((await rpc({ body, headers: { origin: 'https://evil.example' } })).status).toBe(403);
    const http = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        `${running.url}/mcp`,
        {
          method: 'POST',
          headers: {
            host: 'evil.example',
            'content-type': 'application/json',
            authorization: `Bearer ${TEST_API_KEY}`,
          },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    expect(status).toBe(403);
    expect((await rpc({ body, headers: { origin: running.url } })).status).toBe(200);
  });

  it('refuses JSON-RPC batches with 400 and runs none of their calls', async () => {
    const call = (id: number) => ({
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: { name: 'request_approval', arguments: { ...request, action_description: `batched ${id}` } },
    });
    const before = (await running.store.listPauses({ agentId: 'agent-a', limit: 1000 })).items.length;
    const res = await rpc({ body: JSON.stringify(Array.from({ length: 20 }, (_, i) => call(i))) });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32600 }, id: null });
    expect((await rpc({ body: '[]' })).status).toBe(400);
    expect((await running.store.listPauses({ agentId: 'agent-a', limit: 1000 })).items).toHaveLength(before);
  });

  it('answers a tools/call whose arguments are not an object with a tool error naming arguments', async () => {
    for (const args of ['"text"', '[1, 2]', '5', 'null']) {
      const res = await rpc({
        body: `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"request_approval","arguments":${args}}}`,
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        jsonrpc: '2.0',
        id: 7,
        result: {
          isError: true,
          content: [{ type: 'text', text: 'Error (invalid_argument): arguments must be a JSON object' }],
        },
      });
    }
  });

  it('answers a tools/call without a string tool name with invalid params naming name, not the SDK’s validation dump', async () => {
    for (const params of [
      '{"name":5,"arguments":{}}',
      '{"arguments":{}}',
      '{"name":null}',
      '{"name":["request_approval"]}',
    ]) {
      const res = await rpc({ body: `{"jsonrpc":"2.0","id":8,"method":"tools/call","params":${params}}` });
      expect(res.status).toBe(200);
      const json = (await res.json()) as { error?: { code: number; message: string } };
      expect(json.error, params).toMatchObject({ code: -32602, message: expect.stringMatching(/^name: /) });
      expect(json.error?.message).not.toContain('invalid_type');
    }
  });

  it('answers malformed JSON without a stack trace', async () => {
    const res = await rpc({ body: '{"jsonrpc":' });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(text).not.toContain('node_modules');
    expect(text).not.toMatch(/at .*:\d+:\d+/);
  });
});
