import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CreateTaskResultSchema } from '@modelcontextprotocol/sdk/types.js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/main.js';
import { connectMcp } from '../helpers/mcp-client.js';
import { OTHER_API_KEY, startTestService, TEST_API_KEY } from '../helpers/service.js';

const request = { action_description: 'Drop the audit table', action_details: {}, recipient_email: 'ops@example.com' };

/** Hostile tasks/* calls: a clear JSON-RPC error (or a result), never a 5xx or a stack trace, nothing changed. */
describe('MCP tasks under random and hostile parameters', () => {
  let running: RunningService;
  let owner: Client;
  let fuzzer: Client;
  let theirs: string;
  let mine: string;

  beforeAll(async () => {
    running = await startTestService();
    owner = await connectMcp(running.url, TEST_API_KEY);
    fuzzer = await connectMcp(running.url, OTHER_API_KEY);
    const create = (client: Client) =>
      client.request(
        { method: 'tools/call', params: { name: 'request_approval', arguments: request, task: {} } },
        CreateTaskResultSchema,
      );
    theirs = (await create(owner)).task.taskId;
    mine = (await create(fuzzer)).task.taskId;
  });
  afterAll(async () => {
    await Promise.all([owner?.close(), fuzzer?.close()]);
    await running?.close();
  });

  let id = 0;
  async function post(message: Record<string, unknown>): Promise<{ status: number; text: string }> {
    const res = await fetch(`${running.url}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${OTHER_API_KEY}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: ++id, ...message }),
    });
    return { status: res.status, text: await res.text() };
  }

  const oddId = fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({ minLength: 1_000, maxLength: 5_000 }),
    fc.constantFrom(
      'x'.repeat(100_000),
      'tsk_',
      'tsk_aaaaaaaaaaaaaaaaaaaaaaaaaa',
      'tsk_AAAAAAAAAAAAAAAAAAAAAAAAAA',
      'pse_aaaaaaaaaaaaaaaaaaaaaaaaaa',
      '{looppause}:mcptask:x',
      '../../etc/passwd',
      '\u0000',
    ),
    fc.anything(),
  );
  const paramsFor = (taskIds: fc.Arbitrary<unknown>) =>
    fc.oneof(
      fc.record({ taskId: taskIds }, { requiredKeys: [] }),
      fc.record({ taskId: taskIds, cursor: fc.anything(), _meta: fc.anything() }, { requiredKeys: ['taskId'] }),
      fc.record({ cursor: fc.oneof(fc.string(), fc.string({ minLength: 1_000, maxLength: 3_000 }), fc.anything()) }),
      fc.anything(),
    );
  // Built inside the test: the two task ids exist only once beforeAll has run.
  const calls = (theirs: string, mine: string) =>
    fc.oneof(
      // tasks/result on the caller's own pending task would wait 50 s; everything else is fair game.
      fc.record({
        method: fc.constantFrom('tasks/get', 'tasks/list'),
        params: paramsFor(fc.oneof(oddId, fc.constant(theirs), fc.constant(mine))),
      }),
      fc.record({
        method: fc.constantFrom('tasks/result', 'tasks/cancel'),
        params: paramsFor(fc.oneof(oddId, fc.constant(theirs))),
      }),
      fc.record({
        method: fc.constant('tools/call'),
        params: fc.record({
          name: fc.constantFrom('request_approval', 'check_approval', 'cancel_approval', 'nope'),
          // Invalid arguments (no recipient): a task must never be created from them.
          arguments: fc.constantFrom({}, { action_description: 'x', action_details: {} }, { pause_id: theirs }),
          task: fc.anything(),
        }),
      }),
    );

  it('answers every call with a JSON-RPC error naming the problem, or a result; changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(calls(theirs, mine), async (message) => {
        const { status, text } = await post(message as Record<string, unknown>);
        expect(status).toBeLessThan(500);
        expect(text).not.toMatch(/at .+\.(js|ts):\d+:\d+/);
        const body = JSON.parse(text) as { result?: unknown; error?: { code: number; message: string } };
        if (status !== 200) {
          // The transport refuses a message that is not JSON-RPC at all (params not an object).
          expect(status).toBe(400);
          expect(body.error?.code).toBeLessThan(-32000);
          return;
        }
        if (body.error) {
          expect([-32602, -32601]).toContain(body.error.code);
          expect(body.error.message).not.toMatch(/internal|"code":|invalid_type/i);
          expect(body.error.message.length).toBeLessThan(400);
        } else {
          expect(
            message.method === 'tasks/get' || message.method === 'tasks/list' || message.method === 'tools/call',
          ).toBe(true);
        }
      }),
      { numRuns: 400 },
    );
    // Nothing changed: the owner's task is still working and only the fuzzer's one task and pause exist.
    expect((await owner.experimental.tasks.getTask(theirs)).status).toBe('working');
    expect((await fuzzer.experimental.tasks.getTask(mine)).status).toBe('working');
    expect((await fuzzer.experimental.tasks.listTasks()).tasks.map((t) => t.taskId)).toEqual([mine]);
    expect((await running.store.listPauses({ agentId: 'agent-b', limit: 10 })).items).toHaveLength(1);
    expect((await running.store.listPauses({ agentId: 'agent-a', limit: 10, status: 'pending' })).items).toHaveLength(
      1,
    );
  });
});
