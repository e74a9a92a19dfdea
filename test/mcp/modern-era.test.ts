import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignedDecision } from '../../src/domain/signing.js';
import { verifyDecision } from '../../src/domain/signing.js';
import type { RunningService } from '../../src/main.js';
import { connectMcp, toolJson } from '../helpers/mcp-client.js';
import { randomPrefix, startRedis, type TestRedis } from '../helpers/redis-server.js';
import { OTHER_API_KEY, startTestService, TEST_API_KEY, TEST_SIGNING_SECRET } from '../helpers/service.js';

/**
 * MCP 2026-07-28 on /mcp beside 2025-11-25. Each case names the section of the published
 * specification it checks: https://modelcontextprotocol.io/specification/2026-07-28 (the
 * modelcontextprotocol/modelcontextprotocol repository, docs/specification/2026-07-28), and the
 * tasks extension https://github.com/modelcontextprotocol/ext-tasks (specification/draft/tasks.md,
 * SEP-2663).
 */
const SPEC = 'https://modelcontextprotocol.io/specification/2026-07-28';
const VERSION = '2026-07-28';
const TASKS = 'io.modelcontextprotocol/tasks';

const request = {
  action_description: 'Rotate the production database password',
  action_details: { cluster: 'billing-prod', ticket: 'OPS-4411' },
  recipient_email: 'ops@example.com',
};

const human = (decision: 'approved' | 'rejected') => ({
  decision,
  comment: 'checked the runbook',
  responder: 'ada@example.com',
  channel: 'web' as const,
  identities: ['ada@example.com'],
});

function envelope(extensions?: Record<string, object>) {
  return {
    'io.modelcontextprotocol/protocolVersion': VERSION,
    'io.modelcontextprotocol/clientInfo': { name: 'raw-json-rpc', version: '1.0.0' },
    'io.modelcontextprotocol/clientCapabilities': extensions ? { extensions } : {},
  };
}

interface RawAnswer {
  status: number;
  body: {
    id?: unknown;
    result?: Record<string, unknown>;
    error?: { code: number; message: string; data?: unknown };
  };
}

/** One JSON-RPC request as a 2026-07-28 client sends it over Streamable HTTP, headers and envelope included; `headers` overrides them. */
async function raw(
  baseUrl: string,
  method: string,
  params: Record<string, unknown>,
  options: { key?: string; headers?: Record<string, string | undefined>; tasks?: boolean } = {},
): Promise<RawAnswer> {
  const name = (params.name ?? params.taskId) as string | undefined;
  const headers: Record<string, string | undefined> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    authorization: `Bearer ${options.key ?? TEST_API_KEY}`,
    'mcp-protocol-version': VERSION,
    'mcp-method': method,
    ...(name !== undefined ? { 'mcp-name': name } : {}),
    ...options.headers,
  };
  const body = {
    jsonrpc: '2.0',
    id: 41,
    method,
    params: { _meta: envelope(options.tasks === false ? undefined : { [TASKS]: {} }), ...params },
  };
  const res = await fetch(new URL('/mcp', baseUrl), {
    method: 'POST',
    headers: Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== undefined)) as Record<string, string>,
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as RawAnswer['body'] };
}

async function connectModern(baseUrl: string, key = TEST_API_KEY): Promise<Client> {
  const client = new Client({ name: 'looppause-2026', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
  await client.connect(
    new StreamableHTTPClientTransport(new URL('/mcp', baseUrl), {
      requestInit: { headers: { Authorization: `Bearer ${key}` } },
    }),
  );
  return client;
}

describe('MCP 2026-07-28 with the 2.x client (@modelcontextprotocol/client, versionNegotiation auto)', () => {
  let running: RunningService;
  let client: Client;

  beforeAll(async () => {
    running = await startTestService();
    client = await connectModern(running.url);
  });
  afterAll(async () => {
    await client?.close();
    await running?.close();
  });

  it(`negotiates 2026-07-28 through server/discover (${SPEC}/basic/versioning#protocol-version-negotiation)`, () => {
    expect(client.getNegotiatedProtocolVersion()).toBe(VERSION);
    expect(client.getServerVersion()).toMatchObject({ name: 'looppause' });
  });

  it(`lists the tools with titles, annotations and cache hints the client requires (${SPEC}/server/tools, ${SPEC}/server/utilities/caching)`, async () => {
    // The 2.x client refuses a tools/list result without ttlMs/cacheScope, so this call passing is the check.
    const { tools } = await client.listTools();
    expect(tools.map((t) => [t.name, t.title, t.annotations])).toEqual([
      [
        'request_approval',
        'Ask a human to approve an action',
        { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
      ],
      ['check_approval', 'Check whether a human decided', { readOnlyHint: true, openWorldHint: false }],
      [
        'cancel_approval',
        'Withdraw an approval request',
        { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
      ],
    ]);
    // 2026-07-28 removed execution.taskSupport: the server decides per call.
    expect(tools.every((t) => (t as { execution?: unknown }).execution === undefined)).toBe(true);
  });

  it(`calls the three tools as in 2025-11-25; a client without the tasks extension gets no task (${SPEC}/server/tools#calling-tools)`, async () => {
    const created = toolJson(await client.callTool({ name: 'request_approval', arguments: request }));
    expect(created).toMatchObject({ status: 'pending', pause_id: expect.stringMatching(/^pse_/) });
    const checked = toolJson(
      await client.callTool({ name: 'check_approval', arguments: { pause_id: created.pause_id } }),
    );
    expect(checked).toMatchObject({ pause_id: created.pause_id, agent_id: 'agent-a', status: 'pending' });
    const cancelled = toolJson(
      await client.callTool({ name: 'cancel_approval', arguments: { pause_id: created.pause_id } }),
    );
    expect(cancelled).toMatchObject({ cancelled: true, status: 'expired' });
    const bad = await client.callTool({ name: 'check_approval', arguments: { pause_id: 42 } });
    expect(bad.isError).toBe(true);
    expect(JSON.stringify(bad.content)).toContain('pause_id');
  });

  it('check_approval with wait_seconds wakes on a decision', async () => {
    const created = toolJson(await client.callTool({ name: 'request_approval', arguments: request }));
    const waiting = client.callTool({
      name: 'check_approval',
      arguments: { pause_id: created.pause_id, wait_seconds: 20 },
    });
    const { waitingChecks } = await import('../helpers/settled.js');
    await waitingChecks(running.url, 1);
    await running.service.decide(created.pause_id as string, human('approved'));
    expect(toolJson(await waiting)).toMatchObject({ status: 'responded', response: { decision: 'approved' } });
  });
});

describe('MCP 2026-07-28 raw JSON-RPC beside 2025-11-25 on /mcp', () => {
  let running: RunningService;

  beforeAll(async () => {
    running = await startTestService();
  });
  afterAll(async () => {
    await running?.close();
  });

  it(`server/discover lists 2026-07-28, tools and the tasks extension, with cache hints (${SPEC}/server/discover)`, async () => {
    const { status, body } = await raw(running.url, 'server/discover', {});
    expect(status).toBe(200);
    expect(body.result).toMatchObject({
      resultType: 'complete',
      supportedVersions: [VERSION],
      capabilities: { tools: {}, extensions: { [TASKS]: {} } },
      ttlMs: expect.any(Number),
      cacheScope: 'public',
      _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'looppause' } },
    });
    expect(body.result?.instructions).toContain('request_approval');
  });

  it(`answers tools/call without initialize, no session header in or out (${SPEC}/basic#statelessness)`, async () => {
    const res = await fetch(new URL('/mcp', running.url), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: `Bearer ${TEST_API_KEY}`,
        'mcp-protocol-version': VERSION,
        'mcp-method': 'tools/call',
        'mcp-name': 'request_approval',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'request_approval', arguments: request, _meta: envelope() },
      }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('mcp-session-id')).toBeNull();
    const body = (await res.json()) as RawAnswer['body'];
    expect(body.result).toMatchObject({ resultType: 'complete', structuredContent: { status: 'pending' } });
  });

  it(`tools/list carries ttlMs and cacheScope (${SPEC}/server/utilities/caching#cacheable-results)`, async () => {
    const { body } = await raw(running.url, 'tools/list', {});
    expect(body.result).toMatchObject({ resultType: 'complete', ttlMs: 300_000, cacheScope: 'public' });
  });

  it(`an MCP-Protocol-Version header that disagrees with _meta is 400 HeaderMismatch -32020 (${SPEC}/basic/transports/streamable-http#protocol-version-header)`, async () => {
    const { status, body } = await raw(
      running.url,
      'tools/list',
      {},
      { headers: { 'mcp-protocol-version': '2025-11-25' } },
    );
    expect(status).toBe(400);
    expect(body.error?.code).toBe(-32020);
  });

  it(`a missing MCP-Protocol-Version, Mcp-Method or Mcp-Name header is 400 -32020 (${SPEC}/basic/transports/streamable-http#server-validation)`, async () => {
    for (const headers of [
      { 'mcp-protocol-version': undefined },
      { 'mcp-method': undefined },
      { 'mcp-name': undefined },
    ]) {
      const { status, body } = await raw(
        running.url,
        'tools/call',
        { name: 'check_approval', arguments: {} },
        { headers },
      );
      expect([status, body.error?.code], JSON.stringify(headers)).toEqual([400, -32020]);
    }
  });

  it(`Mcp-Method or Mcp-Name disagreeing with the body is 400 -32020, and no tool runs (${SPEC}/basic/transports/streamable-http#server-validation)`, async () => {
    const before = (await running.store.listPauses({ agentId: 'agent-a', limit: 100 })).items.length;
    const named = await raw(
      running.url,
      'tools/call',
      { name: 'request_approval', arguments: request },
      { headers: { 'mcp-name': 'check_approval' } },
    );
    expect([named.status, named.body.error?.code]).toEqual([400, -32020]);
    const method = await raw(running.url, 'tools/list', {}, { headers: { 'mcp-method': 'tools/call' } });
    expect([method.status, method.body.error?.code]).toEqual([400, -32020]);
    expect((await running.store.listPauses({ agentId: 'agent-a', limit: 100 })).items.length).toBe(before);
  });

  it(`an unsupported protocol version is 400 UnsupportedProtocolVersion -32022 listing the supported ones (${SPEC}/basic/versioning#protocol-version-negotiation)`, async () => {
    const res = await fetch(new URL('/mcp', running.url), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${TEST_API_KEY}`,
        'mcp-protocol-version': '2099-01-01',
        'mcp-method': 'tools/list',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/list',
        params: { _meta: { ...envelope(), 'io.modelcontextprotocol/protocolVersion': '2099-01-01' } },
      }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as RawAnswer['body'];
    expect(body.error).toMatchObject({ code: -32022, data: { supported: [VERSION], requested: '2099-01-01' } });
  });

  it(`a request whose _meta lacks the required clientCapabilities is 400 Invalid params -32602 (${SPEC}/basic#meta)`, async () => {
    const res = await fetch(new URL('/mcp', running.url), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${TEST_API_KEY}`,
        'mcp-protocol-version': VERSION,
        'mcp-method': 'tools/list',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 3,
        method: 'tools/list',
        params: { _meta: { 'io.modelcontextprotocol/protocolVersion': VERSION } },
      }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as RawAnswer['body']).error?.code).toBe(-32602);
  });

  it(`a method the server does not have is 404 Method not found -32601, ping included (${SPEC}/basic/transports/streamable-http#protocol-version-header)`, async () => {
    for (const method of ['resources/list', 'tasks/list']) {
      const { status, body } = await raw(running.url, method, {});
      expect([method, status, body.error?.code]).toEqual([method, 404, -32601]);
    }
  });

  it(`initialize with a 2026-07-28 header is refused; without it, 2025-11-25 is served as before (${SPEC}/basic/versioning#backward-compatibility-with-initialization-based-versions)`, async () => {
    const initialize = {
      jsonrpc: '2.0',
      id: 4,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'old', version: '1' } },
    };
    const post = (headers: Record<string, string>) =>
      fetch(new URL('/mcp', running.url), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          authorization: `Bearer ${TEST_API_KEY}`,
          ...headers,
        },
        body: JSON.stringify(initialize),
      });
    const modern = await post({ 'mcp-protocol-version': VERSION });
    expect(modern.status).toBe(400);
    expect(((await modern.json()) as RawAnswer['body']).error?.code).toBe(-32020);
    const legacy = await post({});
    expect(legacy.status).toBe(200);
    expect(((await legacy.json()) as RawAnswer['body']).result).toMatchObject({
      protocolVersion: '2025-11-25',
      capabilities: { tools: {}, tasks: expect.any(Object) },
    });
  });

  it('tools/call with arguments that are not an object is refused with -32602 naming params.arguments', async () => {
    const { body } = await raw(running.url, 'tools/call', { name: 'check_approval', arguments: 5 });
    expect(body.error?.code).toBe(-32602);
    expect(body.error?.message).toContain('arguments');
  });
});

describe('MCP 2026-07-28 tasks extension on two replicas sharing one Redis', () => {
  let redis: TestRedis;
  let a: RunningService;
  let b: RunningService;
  let modernOnB: Client;
  let legacyOnA: LegacyClient;

  beforeAll(async () => {
    redis = await startRedis();
    const env = { REDIS_URL: redis.url, LOOPPAUSE_REDIS_PREFIX: randomPrefix() };
    a = await startTestService(env);
    b = await startTestService(env);
    modernOnB = await connectModern(b.url);
    legacyOnA = await connectMcp(a.url, TEST_API_KEY);
  });
  afterAll(async () => {
    await Promise.all([modernOnB?.close(), legacyOnA?.close()]);
    await Promise.all([a?.close(), b?.close()]);
    await redis?.stop();
  });

  const createTask = async (on: RunningService, args: Record<string, unknown> = request) => {
    const { status, body } = await raw(on.url, 'tools/call', { name: 'request_approval', arguments: args });
    expect(status).toBe(200);
    return body.result as { resultType: string; taskId: string; status: string; [key: string]: unknown };
  };
  const getTask = async (on: RunningService, taskId: string, key?: string) =>
    raw(on.url, 'tasks/get', { taskId }, key ? { key } : {});
  const pauseOfLatest = async () =>
    (await a.store.listPauses({ agentId: 'agent-a', limit: 1 })).items[0]?.pause_id as string;

  it('request_approval from a client declaring the extension answers with a task (ext-tasks: Task Creation), readable on the other replica at once', async () => {
    const task = await createTask(a);
    expect(task).toMatchObject({
      resultType: 'task',
      status: 'working',
      pollIntervalMs: 2_000,
      taskId: expect.stringMatching(/^tsk_[a-z2-7]{26}$/),
    });
    expect(task.ttlMs).toBeGreaterThan(24 * 3_600_000);
    const fromB = await getTask(b, task.taskId);
    expect(fromB.body.result).toMatchObject({
      resultType: 'complete',
      taskId: task.taskId,
      status: 'working',
      createdAt: task.createdAt,
    });
    expect(fromB.body.result?.statusMessage).toContain('Do not perform the action yet');
    expect(fromB.body.result?.result).toBeUndefined();
  });

  it('decided on B, tasks/get on A is completed with the signed decision check_approval gives (ext-tasks: Task Polling)', async () => {
    const task = await createTask(a);
    const pauseId = await pauseOfLatest();
    expect((await b.service.decide(pauseId, human('approved'))).outcome).toBe('decided');
    const done = (await getTask(a, task.taskId)).body.result as {
      status: string;
      result: { isError?: boolean; structuredContent: Record<string, unknown> };
      lastUpdatedAt: string;
      createdAt: string;
    };
    expect(done.status).toBe('completed');
    expect(done.result.isError).toBeUndefined();
    const view = toolJson(done.result);
    expect(view).toMatchObject({ pause_id: pauseId, agent_id: 'agent-a', status: 'responded' });
    const response = view.response as SignedDecision;
    expect(response.decision).toBe('approved');
    expect(verifyDecision(TEST_SIGNING_SECRET, response, { pause_id: pauseId, action: request }).ok).toBe(true);
    expect(view).toEqual(
      toolJson(await modernOnB.callTool({ name: 'check_approval', arguments: { pause_id: pauseId } })),
    );
    expect(Date.parse(done.lastUpdatedAt)).toBeGreaterThanOrEqual(Date.parse(done.createdAt));
  });

  it('tasks/cancel on B withdraws the pause and acknowledges with an empty result; again, it acknowledges and changes nothing (ext-tasks: Task Cancellation)', async () => {
    const task = await createTask(a);
    const cancelled = await raw(b.url, 'tasks/cancel', { taskId: task.taskId });
    expect(cancelled.status).toBe(200);
    expect(Object.keys(cancelled.body.result ?? {}).sort()).toEqual(['_meta', 'resultType']);
    expect((await getTask(a, task.taskId)).body.result).toMatchObject({ status: 'cancelled' });
    const pause = await a.service.get(await pauseOfLatest());
    expect(pause).toMatchObject({ status: 'cancelled', cancel_reason: 'Withdrawn by the agent (tasks/cancel).' });
    const again = await raw(a.url, 'tasks/cancel', { taskId: task.taskId });
    expect(again.body.result?.resultType).toBe('complete');
    expect((await getTask(b, task.taskId)).body.result).toMatchObject({ status: 'cancelled' });
  });

  it('a task nobody decides in time completes with check_approval’s timed_out object as a tool error (ext-tasks: Task Execution Errors)', async () => {
    const task = await createTask(a, { ...request, timeout_hours: 0.0003 });
    const { eventually } = await import('../helpers/eventually.js');
    const done = await eventually(async () => {
      const result = (await getTask(b, task.taskId)).body.result;
      return result?.status === 'working' ? undefined : result;
    });
    expect(done).toMatchObject({ status: 'completed', result: { isError: true } });
    expect(toolJson(done.result)).toMatchObject({ status: 'timed_out' });
    expect(done.statusMessage).toContain('timed_out');
  });

  it("another API key's task is not found on tasks/get, tasks/update and tasks/cancel, and stays untouched (ext-tasks: Protocol Errors, Security Considerations)", async () => {
    const task = await createTask(a);
    for (const method of ['tasks/get', 'tasks/update', 'tasks/cancel']) {
      const { body } = await raw(b.url, method, { taskId: task.taskId, inputResponses: {} }, { key: OTHER_API_KEY });
      expect([method, body.error]).toEqual([method, { code: -32602, message: `Task not found: ${task.taskId}` }]);
    }
    expect((await getTask(a, task.taskId)).body.result).toMatchObject({ status: 'working' });
    const unknown = await getTask(a, 'tsk_aaaaaaaaaaaaaaaaaaaaaaaaaa');
    expect(unknown.body.error?.code).toBe(-32602);
    const malformed = await getTask(a, 'pse_nope');
    expect(malformed.body.error?.message).toContain('taskId: not a LoopPause task id');
  });

  it('tasks/update is acknowledged (an approval never asks the client for input) and the task keeps working (ext-tasks: Task Update Requests)', async () => {
    const task = await createTask(a);
    const updated = await raw(b.url, 'tasks/update', { taskId: task.taskId, inputResponses: { nothing: {} } });
    expect(updated.status).toBe(200);
    expect(updated.body.result?.resultType).toBe('complete');
    expect((await getTask(a, task.taskId)).body.result).toMatchObject({ status: 'working' });
    const bad = await raw(b.url, 'tasks/update', { taskId: 7, inputResponses: {} }, { headers: { 'mcp-name': '7' } });
    expect(bad.body.error).toEqual({ code: -32602, message: 'taskId: must be a string' });
  });

  it('tasks/* from a client that did not declare the extension is 400 -32021 naming it; tools/call then answers without a task (ext-tasks: Capability Negotiation)', async () => {
    const task = await createTask(a);
    for (const method of ['tasks/get', 'tasks/update', 'tasks/cancel']) {
      const { status, body } = await raw(b.url, method, { taskId: task.taskId }, { tasks: false });
      expect([method, status, body.error?.code]).toEqual([method, 400, -32021]);
      expect(body.error?.data).toEqual({ requiredCapabilities: { extensions: { [TASKS]: {} } } });
    }
    expect((await getTask(a, task.taskId)).body.result).toMatchObject({ status: 'working' });
    const plain = await raw(a.url, 'tools/call', { name: 'request_approval', arguments: request }, { tasks: false });
    expect(plain.body.result).toMatchObject({ resultType: 'complete', structuredContent: { status: 'pending' } });
  });

  it('the task is one record for both eras: a 2025-11-25 client on A reads the task a 2026-07-28 client made on B', async () => {
    const task = await createTask(b);
    const { taskId } = task;
    expect((await legacyOnA.experimental.tasks.getTask(taskId)).status).toBe('working');
    await raw(a.url, 'tasks/cancel', { taskId });
    expect((await legacyOnA.experimental.tasks.getTask(taskId)).status).toBe('cancelled');
  });
});
