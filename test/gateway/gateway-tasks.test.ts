import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  type CallToolResult,
  CallToolResultSchema,
  CreateTaskResultSchema,
  RELATED_TASK_META_KEY,
} from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/main.js';
import { refusal } from '../helpers/mcp-client.js';
import { randomPrefix, startRedis, type TestRedis } from '../helpers/redis-server.js';
import { OTHER_API_KEY, startTestService, TEST_API_KEY } from '../helpers/service.js';
import { approve, auditEvents, gatewayPost, resultText } from './agent.js';

const root = new URL('../..', import.meta.url).pathname;
const FILESYSTEM = join(root, 'node_modules/@modelcontextprotocol/server-filesystem/dist/index.js');

const POLICY = `
gateway_default_route: { email: ops@example.com }
rules:
  - name: no-secrets
    when: { tool: "mcp__files__write_file", if: 'input.path.endsWith(".secret")' }
    decide: rejected
  - name: file-writes
    when: { tool: "mcp__files__write_file" }
    route: { email: ops@example.com }
`;

async function agentOn(svc: RunningService, server: string, key = TEST_API_KEY): Promise<Client> {
  const client = new Client({ name: 'agent', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${svc.url}/mcp/gateway/${server}`), {
      requestInit: { headers: { authorization: `Bearer ${key}` } },
    }),
  );
  return client;
}

/** tools/call as a task, as the SDK's client sends it. */
async function callAsTask(client: Client, name: string, args: Record<string, unknown>) {
  const created = await client.request(
    { method: 'tools/call', params: { name, arguments: args, task: { ttl: 60_000 } } },
    CreateTaskResultSchema,
  );
  return created.task;
}

const forwardedCount = async (svc: RunningService, pauseId: string) =>
  (await auditEvents(svc, pauseId)).filter((e) => e.type === 'tool.forwarded').length;

describe('gateway calls as MCP tasks, on two replicas sharing one Redis', () => {
  const tmp = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'gateway-tasks-'));
  const served = join(tmp, 'served');
  let redis: TestRedis;
  let a: RunningService;
  let b: RunningService;
  let onA: Client;
  let onB: Client;

  beforeAll(async () => {
    redis = await startRedis();
    mkdirSync(served);
    writeFileSync(join(served, 'notes.txt'), 'hello from the filesystem server');
    writeFileSync(join(tmp, 'policy.yaml'), POLICY);
    writeFileSync(
      join(tmp, 'gateway.yaml'),
      `servers:
  files: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(FILESYSTEM)}, ${JSON.stringify(served)}] }
  other: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(FILESYSTEM)}, ${JSON.stringify(served)}] }
`,
    );
    const env = {
      REDIS_URL: redis.url,
      LOOPPAUSE_REDIS_PREFIX: randomPrefix(),
      LOOPPAUSE_POLICY_FILE: join(tmp, 'policy.yaml'),
      LOOPPAUSE_GATEWAY_FILE: join(tmp, 'gateway.yaml'),
    };
    [a, b] = await Promise.all([startTestService(env), startTestService(env)]);
    [onA, onB] = await Promise.all([agentOn(a, 'files'), agentOn(b, 'files')]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([onA?.close(), onB?.close()]);
    await Promise.all([a?.close(), b?.close()]);
    await redis?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('says it runs tools/call as a task, and every tool may', async () => {
    expect(onA.getServerCapabilities()?.tasks).toMatchObject({ requests: { tools: { call: {} } }, cancel: {} });
    const { tools } = await onA.listTools();
    expect(tools.length).toBeGreaterThan(3);
    expect(new Set(tools.map((t) => t.execution?.taskSupport))).toEqual(new Set(['optional']));
  });

  it('an approved call is forwarded once, by whichever replica is asked, and every tasks/result gives its one result', async () => {
    const path = join(served, 'approved.txt');
    const args = { path, content: 'written through a task' };
    const task = await callAsTask(onA, 'write_file', args);
    expect(task.status).toBe('working');
    expect(task.statusMessage).toMatch(/Waiting for a human decision \(pause pse_/);
    const pauseId = /pse_[a-z2-7]{26}/.exec(task.statusMessage ?? '')?.[0];
    if (!pauseId) throw new Error('no pause named');
    // Waiting on B, decided on A: B's tasks/result wakes, forwards and answers.
    const waiting = onB.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema);
    expect(existsSync(path)).toBe(false);
    await approve(a, pauseId);
    const first = (await waiting) as CallToolResult;
    expect(first.isError).toBeFalsy();
    expect(resultText(first)).toContain('Successfully wrote');
    expect(first._meta?.[RELATED_TASK_META_KEY]).toEqual({ taskId: task.taskId });
    expect(readFileSync(path, 'utf8')).toBe('written through a task');
    // Asked again (both replicas, at once): the same result, and no second write.
    writeFileSync(path, 'changed since');
    const again = await Promise.all([
      onA.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema),
      onB.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema),
    ]);
    for (const r of again) expect(resultText(r)).toBe(resultText(first));
    expect(readFileSync(path, 'utf8')).toBe('changed since');
    expect(await forwardedCount(a, pauseId)).toBe(1);
    expect((await onA.experimental.tasks.getTask(task.taskId)).status).toBe('completed');
  });

  it('of tasks/result racing on one approved task, on two replicas, exactly one forwards; all get its result', async () => {
    const path = join(served, 'raced.txt');
    const task = await callAsTask(onA, 'write_file', { path, content: 'once' });
    const pauseId = /pse_[a-z2-7]{26}/.exec(task.statusMessage ?? '')?.[0];
    if (!pauseId) throw new Error('no pause named');
    await approve(b, pauseId);
    const results = await Promise.all(
      [onA, onB, onA, onB, onA, onB].map((c) => c.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema)),
    );
    expect(new Set(results.map(resultText)).size).toBe(1);
    expect(resultText(results[0])).toContain('Successfully wrote');
    expect(await forwardedCount(a, pauseId)).toBe(1);
  });

  it('a rejected call is a tool error with the reason, and the upstream is never called', async () => {
    const path = join(served, 'refused.secret');
    const task = await callAsTask(onA, 'write_file', { path, content: 'no' });
    // A deciding rule: concluded before the task is returned.
    expect(task.status).toBe('completed');
    const result = await onB.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema);
    expect(result.isError).toBe(true);
    expect(resultText(result)).toMatch(/rejected by the operator's policy \(policy:no-secrets\)/);
    expect(existsSync(path)).toBe(false);

    const human = await callAsTask(onA, 'write_file', { path: join(served, 'human-no.txt'), content: 'no' });
    const pauseId = /pse_[a-z2-7]{26}/.exec(human.statusMessage ?? '')?.[0];
    if (!pauseId) throw new Error('no pause named');
    await a.service.decide(pauseId, {
      decision: 'rejected',
      comment: 'not <today>',
      responder: 'ops@example.com',
      channel: 'email',
      identities: ['ops@example.com'],
    });
    expect((await onB.experimental.tasks.getTask(human.taskId)).status).toBe('completed');
    const rejected = await onA.experimental.tasks.getTaskResult(human.taskId, CallToolResultSchema);
    expect(rejected.isError).toBe(true);
    expect(resultText(rejected)).toContain('rejected by ops@example.com: not <today>');
    expect(existsSync(join(served, 'human-no.txt'))).toBe(false);
  });

  it('a read-only tool needs no human: the task is completed at once with the upstream result', async () => {
    const task = await callAsTask(onB, 'read_text_file', { path: join(served, 'notes.txt') });
    expect(task.status).toBe('completed');
    const result = await onA.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema);
    expect(resultText(result)).toBe('hello from the filesystem server');
  });

  it('tasks/cancel withdraws the pending approval; nothing is forwarded after', async () => {
    const path = join(served, 'cancelled.txt');
    const task = await callAsTask(onA, 'write_file', { path, content: 'never' });
    const pauseId = /pse_[a-z2-7]{26}/.exec(task.statusMessage ?? '')?.[0];
    if (!pauseId) throw new Error('no pause named');
    const cancelled = await onB.experimental.tasks.cancelTask(task.taskId);
    expect(cancelled.status).toBe('cancelled');
    expect((await a.service.get(pauseId))?.status).toBe('cancelled');
    expect(await refusal(onA.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema))).toMatchObject({
      message: expect.stringContaining('was cancelled'),
    });
    expect(await refusal(onA.experimental.tasks.cancelTask(task.taskId))).toMatchObject({
      message: expect.stringContaining('terminal status: cancelled'),
    });
    expect(existsSync(path)).toBe(false);
  });

  it('another key, another gateway server and /mcp do not know the task; bad task ids are refused naming taskId', async () => {
    const task = await callAsTask(onA, 'write_file', { path: join(served, 'mine.txt'), content: 'x' });
    const stranger = await agentOn(a, 'files', OTHER_API_KEY);
    const otherServer = await agentOn(b, 'other');
    try {
      for (const client of [stranger, otherServer]) {
        expect(await refusal(client.experimental.tasks.getTask(task.taskId))).toMatchObject({
          message: expect.stringContaining(`Task not found: ${task.taskId}`),
        });
        expect(await refusal(client.experimental.tasks.cancelTask(task.taskId))).toMatchObject({
          message: expect.stringContaining('Task not found'),
        });
      }
      const res = await fetch(`${a.url}/mcp`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${TEST_API_KEY}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tasks/get', params: { taskId: task.taskId } }),
      });
      expect(await res.text()).toContain(`Task not found: ${task.taskId}`);
    } finally {
      await Promise.all([stranger.close(), otherServer.close()]);
    }
    for (const params of [{}, { taskId: 42 }, { taskId: 'tsk_x' }, { taskId: 'x'.repeat(300) }]) {
      const res = await gatewayPost(a, 'files', { jsonrpc: '2.0', id: 7, method: 'tasks/result', params });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { error?: { code: number; message: string } };
      expect(body.error?.code).toBe(-32602);
      expect(body.error?.message).toMatch(/^taskId: /);
    }
    // Not JSON-RPC at all (params must be an object): the transport refuses it, 4xx.
    const broken = await gatewayPost(a, 'files', { jsonrpc: '2.0', id: 8, method: 'tasks/get', params: 'nope' });
    expect(broken.status).toBe(400);
  });
});
