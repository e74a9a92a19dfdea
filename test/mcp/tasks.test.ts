import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  CallToolResultSchema,
  CreateTaskResultSchema,
  ErrorCode,
  RELATED_TASK_META_KEY,
} from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignedDecision } from '../../src/domain/signing.js';
import { verifyDecision } from '../../src/domain/signing.js';
import type { RunningService } from '../../src/main.js';
import { TASK_POLL_INTERVAL_MS } from '../../src/mcp/tasks.js';
import { connectMcp, refusal, toolJson } from '../helpers/mcp-client.js';
import { randomPrefix, startRedis, type TestRedis } from '../helpers/redis-server.js';
import { OTHER_API_KEY, startTestService, TEST_API_KEY, TEST_SIGNING_SECRET } from '../helpers/service.js';
import { waitingChecks } from '../helpers/settled.js';

const request = {
  action_description: 'Rotate the production database password',
  action_details: { cluster: 'billing-prod', ticket: 'OPS-4411' },
  recipient_email: 'ops@example.com',
};

async function createTask(client: Client, args: Record<string, unknown> = request) {
  const created = await client.request(
    { method: 'tools/call', params: { name: 'request_approval', arguments: args, task: { ttl: 60_000 } } },
    CreateTaskResultSchema,
  );
  return created.task;
}

const human = (decision: 'approved' | 'rejected') => ({
  decision,
  comment: 'checked the runbook',
  responder: 'ada@example.com',
  channel: 'web' as const,
  identities: ['ada@example.com'],
});

describe('MCP tasks on two replicas sharing one Redis', () => {
  let redis: TestRedis;
  let a: RunningService;
  let b: RunningService;
  let onA: Client;
  let onB: Client;
  let otherKey: Client;

  beforeAll(async () => {
    redis = await startRedis();
    const env = { REDIS_URL: redis.url, LOOPPAUSE_REDIS_PREFIX: randomPrefix() };
    a = await startTestService(env);
    b = await startTestService(env);
    onA = await connectMcp(a.url, TEST_API_KEY);
    onB = await connectMcp(b.url, TEST_API_KEY);
    otherKey = await connectMcp(a.url, OTHER_API_KEY);
  });
  afterAll(async () => {
    await Promise.all([onA?.close(), onB?.close(), otherKey?.close()]);
    await Promise.all([a?.close(), b?.close()]);
    await redis?.stop();
  });

  const pauseOf = async (client: Client, taskId: string) => {
    const result = await client.experimental.tasks.getTaskResult(taskId, CallToolResultSchema);
    return result;
  };

  it('declares tasks and lets request_approval (only) run as a task', async () => {
    expect(onA.getServerCapabilities()?.tasks).toEqual({ list: {}, cancel: {}, requests: { tools: { call: {} } } });
    const { tools } = await onA.listTools();
    expect(tools.map((t) => [t.name, t.execution?.taskSupport])).toEqual([
      ['request_approval', 'optional'],
      ['check_approval', undefined],
      ['cancel_approval', undefined],
    ]);
  });

  it('creates a task on A, reports it working on B, a human decides on B, tasks/result on A returns the signed decision', async () => {
    const task = await createTask(onA);
    expect(task).toMatchObject({ status: 'working', pollInterval: TASK_POLL_INTERVAL_MS });
    expect(task.taskId).toMatch(/^tsk_[a-z2-7]{26}$/);
    expect(task.ttl).toBeGreaterThan(7 * 24 * 3_600_000);

    const fromB = await onB.experimental.tasks.getTask(task.taskId);
    expect(fromB).toMatchObject({ taskId: task.taskId, status: 'working', createdAt: task.createdAt });
    expect(fromB.statusMessage).toContain('Do not perform the action yet');

    const pauseId = (await a.store.listPauses({ agentId: 'agent-a', limit: 1 })).items[0]?.pause_id as string;
    // tasks/result holds up to 50 s, past this test's 30 s timeout: only B's decision can answer it in time.
    const waiting = onA.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema);
    await waitingChecks(a.url, 1);
    expect((await b.service.decide(pauseId, human('approved'))).outcome).toBe('decided');
    const result = await waiting;

    expect(result.isError).toBeUndefined();
    expect(result._meta?.[RELATED_TASK_META_KEY]).toEqual({ taskId: task.taskId });
    const view = toolJson(result);
    expect(view).toMatchObject({ pause_id: pauseId, agent_id: 'agent-a', status: 'responded' });
    const response = view.response as SignedDecision;
    expect(response.decision).toBe('approved');
    expect(verifyDecision(TEST_SIGNING_SECRET, response, { pause_id: pauseId, action: request }).ok).toBe(true);
    // The same object check_approval gives, from either replica.
    const checked = toolJson(await onB.callTool({ name: 'check_approval', arguments: { pause_id: pauseId } }));
    expect(view).toEqual(checked);

    const done = await onB.experimental.tasks.getTask(task.taskId);
    expect(done.status).toBe('completed');
    expect(Date.parse(done.lastUpdatedAt)).toBeGreaterThanOrEqual(Date.parse(done.createdAt));
    // A finished task answers tasks/result at once, as often as asked.
    expect(toolJson(await pauseOf(onB, task.taskId))).toEqual(view);
  });

  it('runs end to end through the SDK client task stream (callToolStream)', async () => {
    const messages: string[] = [];
    let final: Record<string, unknown> | undefined;
    const stream = onA.experimental.tasks.callToolStream({ name: 'request_approval', arguments: request, task: {} });
    for await (const message of stream) {
      messages.push(message.type);
      if (message.type === 'taskCreated') {
        const pauseId = (await a.store.listPauses({ agentId: 'agent-a', limit: 1 })).items[0]?.pause_id as string;
        setTimeout(() => void b.service.decide(pauseId, human('rejected')), 300);
      }
      if (message.type === 'result') final = toolJson(message.result);
      if (message.type === 'error') throw message.error;
    }
    expect(messages[0]).toBe('taskCreated');
    expect(messages.at(-1)).toBe('result');
    expect(final).toMatchObject({ status: 'responded', response: { decision: 'rejected' } });
  });

  it('tasks/cancel withdraws the pause through cancel_approval; a second cancel is refused', async () => {
    const task = await createTask(onA);
    const cancelled = await onB.experimental.tasks.cancelTask(task.taskId);
    expect(cancelled).toMatchObject({ taskId: task.taskId, status: 'cancelled' });
    const result = await pauseOf(onA, task.taskId);
    const view = toolJson(result);
    expect(view).toMatchObject({ status: 'expired', cancel_reason: 'Withdrawn by the agent (tasks/cancel).' });
    expect(result.isError).toBeUndefined();
    const again = await refusal(onA.experimental.tasks.cancelTask(task.taskId));
    expect(again.code).toBe(ErrorCode.InvalidParams);
    expect(again.message).toContain('terminal status: cancelled');
  });

  it('a task nobody decides in time fails, and its result says timed_out (isError)', async () => {
    const task = await createTask(onA, { ...request, timeout_hours: 0.0003 });
    const result = await onB.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema);
    expect(result.isError).toBe(true);
    expect(toolJson(result)).toMatchObject({ status: 'timed_out' });
    const failed = await onA.experimental.tasks.getTask(task.taskId);
    expect(failed.status).toBe('failed');
    expect(failed.statusMessage).toContain('timed_out');
  });

  it("another API key's task is not found, and stays untouched", async () => {
    const task = await createTask(onA);
    for (const call of [
      () => otherKey.experimental.tasks.getTask(task.taskId),
      () => otherKey.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema),
      () => otherKey.experimental.tasks.cancelTask(task.taskId),
    ]) {
      expect(await refusal(call())).toEqual({
        code: ErrorCode.InvalidParams,
        message: `MCP error -32602: Task not found: ${task.taskId}`,
      });
    }
    const theirs = await otherKey.experimental.tasks.listTasks();
    expect(theirs.tasks.map((t) => t.taskId)).not.toContain(task.taskId);
    expect((await onA.experimental.tasks.getTask(task.taskId)).status).toBe('working');
    // Unknown and malformed ids alike.
    expect((await refusal(onA.experimental.tasks.getTask('tsk_aaaaaaaaaaaaaaaaaaaaaaaaaa'))).code).toBe(
      ErrorCode.InvalidParams,
    );
    expect((await refusal(onA.experimental.tasks.getTask('pse_nope'))).message).toContain(
      'taskId: not a LoopPause task id',
    );
  });

  it("tasks/list gives the key's tasks, newest first, from any replica", async () => {
    const created = [await createTask(onA), await createTask(onB), await createTask(onA)];
    const listed = await onB.experimental.tasks.listTasks();
    const ids = listed.tasks.map((t) => t.taskId);
    expect(ids.slice(0, 3)).toEqual(created.map((t) => t.taskId).reverse());
    expect(listed.tasks.every((t) => typeof t.status === 'string' && t.pollInterval === TASK_POLL_INTERVAL_MS)).toBe(
      true,
    );
    const bad = await refusal(onA.experimental.tasks.listTasks('not-a-cursor'));
    expect(bad).toMatchObject({ code: ErrorCode.InvalidParams, message: expect.stringContaining('cursor:') });
  });

  it('refuses bad arguments at task creation with a JSON-RPC error naming the field, creating nothing', async () => {
    const before = (await onA.experimental.tasks.listTasks()).tasks.length;
    const bad = await refusal(createTask(onA, { ...request, timeout_hours: 500 }));
    expect(bad.code).toBe(ErrorCode.InvalidParams);
    expect(bad.message).toContain('timeout_hours');
    const notTask = await refusal(
      onA.request(
        { method: 'tools/call', params: { name: 'check_approval', arguments: { pause_id: 'x' }, task: {} } },
        CreateTaskResultSchema,
      ),
    );
    expect(notTask.code).toBe(ErrorCode.MethodNotFound);
    expect((await onA.experimental.tasks.listTasks()).tasks.length).toBe(before);
  });

  it('an idempotent repeat as a task is a new task on the same pause', async () => {
    const args = { ...request, idempotency_key: `idem-${Date.now()}` };
    const first = await createTask(onA, args);
    const second = await createTask(onB, args);
    expect(second.taskId).not.toBe(first.taskId);
    await onA.experimental.tasks.cancelTask(first.taskId);
    expect((await onB.experimental.tasks.getTask(second.taskId)).status).toBe('cancelled');
  });
});

describe('a client that does not use tasks', () => {
  let running: RunningService;
  let client: Client;

  beforeAll(async () => {
    running = await startTestService();
    client = await connectMcp(running.url, TEST_API_KEY);
  });
  afterAll(async () => {
    await client?.close();
    await running?.close();
  });

  it('sees the same tools and results as before tasks: request_approval only gains the task hint and the task result in its output schema', async () => {
    const { createMcpServer } = await import('../../src/mcp/server.js');
    const { InMemoryTransport } = await import('@modelcontextprotocol/sdk/inMemory.js');
    const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
    // The server as it was before tasks: no task surface at all.
    const bare = createMcpServer(
      async () => ({}),
      () => {},
    );
    const [serverSide, clientSide] = InMemoryTransport.createLinkedPair();
    await bare.connect(serverSide);
    const bareClient = new Client({ name: 'bare', version: '1' });
    await bareClient.connect(clientSide);
    const before = (await bareClient.listTools()).tools;
    expect(bareClient.getServerCapabilities()?.tasks).toBeUndefined();
    const now = (await client.listTools()).tools;
    expect(now.map(({ execution: _hint, outputSchema: _schema, ...rest }) => rest)).toEqual(
      before.map(({ outputSchema: _schema, ...rest }) => rest),
    );
    expect(now.slice(1)).toEqual(before.slice(1));
    // Widened, not changed: what request_approval returns at once still matches, as before.
    expect(now[0]?.outputSchema?.anyOf).toEqual([
      expect.objectContaining({ properties: before[0]?.outputSchema?.properties }),
      expect.objectContaining({ properties: before[1]?.outputSchema?.properties }),
    ]);
    // What the stdio proxy runs: a task-augmented call is refused (no tasks capability), never half-done.
    const refused = await refusal(
      bareClient.request(
        { method: 'tools/call', params: { name: 'request_approval', arguments: request, task: {} } },
        CreateTaskResultSchema,
      ),
    ).catch((error: unknown) => ({ code: 0, message: String(error) }));
    expect(refused.message).toMatch(/does not support task creation|tasks/i);
    await bareClient.close();

    const created = toolJson(await client.callTool({ name: 'request_approval', arguments: request }));
    expect(Object.keys(created).sort()).toEqual(['MANDATORY_NEXT_STEP', 'expires_at', 'pause_id', 'status']);
    const checked = toolJson(
      await client.callTool({ name: 'check_approval', arguments: { pause_id: created.pause_id } }),
    );
    expect(checked).toMatchObject({ pause_id: created.pause_id, status: 'pending' });
    const cancelled = toolJson(
      await client.callTool({ name: 'cancel_approval', arguments: { pause_id: created.pause_id } }),
    );
    expect(cancelled).toMatchObject({ cancelled: true, status: 'expired' });
  });
});
