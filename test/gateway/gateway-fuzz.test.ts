import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/main.js';
import { type HttpUpstream, startHttpUpstream } from '../helpers/http-upstream.js';
import { startTestService, TEST_API_KEY } from '../helpers/service.js';
import { gatewayPost } from './agent.js';

const TOKEN = 'fuzz-token-0123456789';
// No gateway_default_route: a tool that is not read-only is refused unless a rule asks.
const POLICY = `
rules:
  - name: never-prod
    when: { tool: "mcp__records__*", if: 'input.id.startsWith("prod-")' }
    decide: rejected
  - name: big-lookups-refused
    when: { tool: "mcp__records__lookup", if: 'size(input.id) > 40' }
    decide: rejected
`;

// Mostly the upstream's real tools (judged and possibly forwarded), else names it does not have.
const toolName = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('delete_record', 'slow', 'lookup', 'tool_0') },
  fc.constantFrom('DELETE_RECORD', 'delete_record ', 'mcp__records__delete_record', 'delete_record\u0000'),
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
);
const args = fc.oneof(
  fc.record({ id: fc.oneof(fc.string(), fc.constant('prod-1'), fc.jsonValue()) }, { requiredKeys: [] }),
  fc.dictionary(fc.string({ maxLength: 20 }), fc.jsonValue({ maxDepth: 4 }), { maxKeys: 8 }),
  fc.jsonValue({ maxDepth: 3 }),
  fc.constant(undefined),
);

describe('tools/call through the gateway, any name and any arguments', () => {
  const tmp = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'gateway-fuzz-'));
  let records: HttpUpstream;
  let svc: RunningService;

  beforeAll(async () => {
    records = await startHttpUpstream({ token: TOKEN, extraTools: 3 });
    writeFileSync(join(tmp, 'policy.yaml'), POLICY);
    writeFileSync(
      join(tmp, 'gateway.yaml'),
      `servers:\n  records: { url: ${JSON.stringify(records.url)}, headers: { Authorization: "Bearer \${TOKEN}" } }\n` +
        `  refused: { url: ${JSON.stringify(records.url)}, headers: { Authorization: "Bearer \${OLD_TOKEN}" } }\n`,
    );
    svc = await startTestService({
      LOOPPAUSE_POLICY_FILE: join(tmp, 'policy.yaml'),
      LOOPPAUSE_GATEWAY_FILE: join(tmp, 'gateway.yaml'),
      TOKEN,
      OLD_TOKEN: 'revoked-token-0123456789',
    });
  });
  afterAll(async () => {
    await svc?.close();
    await records?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('never answers 5xx, never leaks the upstream credential, and nothing reaches the upstream without a decision', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.integer(), fc.string({ maxLength: 10 })),
        toolName,
        args,
        // Sometimes as an MCP task, sometimes with a `task` that is not one.
        fc.option(fc.oneof(fc.constant({}), fc.record({ ttl: fc.integer() }), fc.jsonValue({ maxDepth: 2 })), {
          nil: undefined,
        }),
        async (id, name, input, task) => {
          const res = await gatewayPost(svc, 'records', {
            jsonrpc: '2.0',
            id,
            method: 'tools/call',
            params: {
              name,
              ...(input === undefined ? {} : { arguments: input }),
              ...(task === undefined ? {} : { task }),
            },
          });
          const body = await res.text();
          expect(res.status, body).toBeLessThan(500);
          expect(body).not.toContain(TOKEN);
          expect(body).not.toMatch(/\n\s+at .+:\d+:\d+/);
        },
      ),
      { numRuns: 300 },
    );
    // delete_record and slow are not read-only and no rule asks a human: refused, every time.
    expect(records.deleted).toEqual([]);
    expect(records.slowWaiting).toEqual([]);
    const pending = await fetch(`${svc.url}/v1/pauses?status=pending`, {
      headers: { authorization: `Bearer ${TEST_API_KEY}` },
    });
    expect(((await pending.json()) as { items: unknown[] }).items).toEqual([]);
  }, 120_000);

  it('any JSON-RPC body: never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue({ maxDepth: 4 }),
          fc.record({
            jsonrpc: fc.constant('2.0'),
            id: fc.oneof(fc.integer(), fc.string(), fc.constant(null)),
            method: fc.constantFrom(
              'tools/call',
              'tools/list',
              'initialize',
              'ping',
              'resources/list',
              'tasks/get',
              'tasks/result',
              'tasks/cancel',
              'tasks/list',
            ),
            params: fc.jsonValue({ maxDepth: 3 }),
          }),
          fc.string({ maxLength: 200 }).map((s) => `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":${s}`),
        ),
        async (body) => {
          const res = await gatewayPost(svc, 'records', typeof body === 'string' ? body : JSON.stringify(body));
          const text = await res.text();
          expect(res.status, text).toBeLessThan(500);
        },
      ),
      { numRuns: 200 },
    );
    expect(records.deleted).toEqual([]);
  }, 120_000);

  it('tasks/* with any task id, real or not, of this key or made up: a JSON-RPC answer, never 5xx, nothing forwarded', async () => {
    const created = await gatewayPost(svc, 'records', {
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'delete_record', arguments: { id: 'x' }, task: {} },
    });
    const real = (/"taskId":"(tsk_[a-z2-7]{26})"/.exec(await created.text()) ?? [])[1];
    expect(real).toMatch(/^tsk_/);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('tasks/get', 'tasks/result', 'tasks/cancel'),
        fc.oneof(
          fc.constant(real),
          fc.stringMatching(/^tsk_[a-z2-7]{26}$/),
          fc.string({ maxLength: 40 }),
          fc.jsonValue({ maxDepth: 2 }),
        ),
        async (method, taskId) => {
          const res = await gatewayPost(svc, 'records', { jsonrpc: '2.0', id: 2, method, params: { taskId } });
          const text = await res.text();
          expect(res.status, text).toBe(200);
          const body = JSON.parse(text) as { result?: unknown; error?: { code: number } };
          if (taskId !== real) expect(body.error?.code, text).toBe(-32602);
        },
      ),
      { numRuns: 150 },
    );
    // delete_record is refused by the policy (no rule asks a human): its task holds that refusal.
    const result = await gatewayPost(svc, 'records', {
      jsonrpc: '2.0',
      id: 3,
      method: 'tasks/result',
      params: { taskId: real },
    });
    expect(await result.text()).toContain('isError');
    expect(records.deleted).toEqual([]);
  }, 120_000);

  it('an upstream that refuses the gateway’s credential: an error naming the server, never the credential, never a 5xx', async () => {
    for (const body of [
      { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} },
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'delete_record', arguments: { id: 'x' } } },
    ]) {
      const res = await gatewayPost(svc, 'refused', body);
      const text = await res.text();
      expect(res.status, text).toBe(200);
      expect(text).toContain('the upstream server \\"refused\\"');
      expect(text).not.toContain('revoked-token');
    }
    expect(records.deleted).toEqual([]);
  });
});
