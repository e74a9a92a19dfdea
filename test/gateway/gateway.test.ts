import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toolCallDigest } from '../../src/domain/tool-calls.js';
import type { RunningService } from '../../src/main.js';
import { type HttpUpstream, startHttpUpstream } from '../helpers/http-upstream.js';
import { startTestService, TEST_API_KEY } from '../helpers/service.js';
import { agent, auditEvents, pendingPause, resultText } from './agent.js';

const root = new URL('../..', import.meta.url).pathname;
const FILESYSTEM = join(root, 'node_modules/@modelcontextprotocol/server-filesystem/dist/index.js');
const EVERYTHING = join(root, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');
const UPSTREAM_TOKEN = 'upstream-token-never-shown-0123456789';

const POLICY = `
gateway_default_route: { email: ops@example.com }
rules:
  - name: file-writes
    when: { tool: "mcp__files__write_file" }
    route: { email: ops@example.com }
  - name: no-deletes-of-prod
    when: { tool: "mcp__records__delete_record", if: 'input.id.startsWith("prod-")' }
    decide: rejected
`;

const text = resultText;
const events = auditEvents;

function decide(svc: RunningService, pauseId: string, decision: 'approved' | 'rejected', comment = '') {
  return svc.service.decide(pauseId, {
    decision,
    comment,
    responder: 'ops@example.com',
    channel: 'email',
    identities: ['ops@example.com'],
  });
}

describe('the MCP gateway with real upstreams', () => {
  const tmp = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'gateway-'));
  const served = join(tmp, 'served');
  let records: HttpUpstream;
  let svc: RunningService;

  beforeAll(async () => {
    records = await startHttpUpstream({ token: UPSTREAM_TOKEN, extraTools: 1000 });
    writeFileSync(join(tmp, 'policy.yaml'), POLICY);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(served);
    writeFileSync(join(served, 'notes.txt'), 'hello from the filesystem server');
    writeFileSync(
      join(tmp, 'gateway.yaml'),
      `servers:
  files: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(FILESYSTEM)}, ${JSON.stringify(served)}] }
  everything: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(EVERYTHING)}, stdio] }
  records: { url: ${JSON.stringify(records.url)}, headers: { Authorization: "Bearer \${RECORDS_TOKEN}" } }
`,
    );
    svc = await startTestService({
      LOOPPAUSE_POLICY_FILE: join(tmp, 'policy.yaml'),
      LOOPPAUSE_GATEWAY_FILE: join(tmp, 'gateway.yaml'),
      LOOPPAUSE_GATEWAY_WAIT_SECONDS: '2',
      RECORDS_TOKEN: UPSTREAM_TOKEN,
    });
  });
  afterAll(async () => {
    await svc?.close();
    await records?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('tools/list passes the upstream tools on, annotations kept; 1,000 tools come through', async () => {
    const files = await agent(svc, 'files');
    try {
      const { tools } = await files.listTools();
      const write = tools.find((t) => t.name === 'write_file');
      expect(write?.annotations?.readOnlyHint).toBe(false);
      expect(tools.find((t) => t.name === 'read_text_file')?.annotations?.readOnlyHint).toBe(true);
    } finally {
      await files.close();
    }
    const remote = await agent(svc, 'records');
    try {
      const { tools } = await remote.listTools();
      expect(tools.filter((t) => t.name.startsWith('tool_'))).toHaveLength(1000);
      // The upstream's credential stays in the gateway.
      expect(JSON.stringify(tools)).not.toContain(UPSTREAM_TOKEN);
    } finally {
      await remote.close();
    }
  });

  it('a read-only tool no rule names passes at once', async () => {
    const files = await agent(svc, 'files');
    try {
      const result = await files.callTool({ name: 'read_text_file', arguments: { path: join(served, 'notes.txt') } });
      expect(text(result)).toBe('hello from the filesystem server');
    } finally {
      await files.close();
    }
  });

  it('a write waits for a human and, approved, runs once with exactly the approved arguments; the audit log has its result digest', async () => {
    const files = await agent(svc, 'files');
    const target = join(served, 'approved.txt');
    const args = { path: target, content: 'written after approval' };
    try {
      const call = files.callTool({ name: 'write_file', arguments: args });
      const pauseId = await pendingPause(svc, 'mcp__files__write_file', args);
      expect(existsSync(target)).toBe(false);
      const pause = await svc.service.get(pauseId);
      expect(pause?.action_digest).toBe(toolCallDigest({ tool: 'mcp__files__write_file', input: args }));
      expect(pause?.policy_rule).toBe('file-writes');
      await decide(svc, pauseId, 'approved');
      const result = (await call) as CallToolResult;
      expect(result.isError).not.toBe(true);
      expect(readFileSync(target, 'utf8')).toBe('written after approval');
      const forwarded = (await events(svc, pauseId)).filter((e) => e.type === 'tool.forwarded');
      expect(forwarded).toHaveLength(1);
      expect(forwarded[0]?.data.result_sha256).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      await files.close();
    }
  });

  it('rejected: a tool error with the comment, and the upstream is never called', async () => {
    const files = await agent(svc, 'files');
    const target = join(served, 'rejected.txt');
    try {
      const args = { path: target, content: 'no' };
      const call = files.callTool({ name: 'write_file', arguments: args });
      const pauseId = await pendingPause(svc, 'mcp__files__write_file', args);
      await decide(svc, pauseId, 'rejected', 'not this file');
      const result = (await call) as CallToolResult;
      expect(result.isError).toBe(true);
      expect(text(result)).toContain('not this file');
      expect(existsSync(target)).toBe(false);
      expect((await events(svc, pauseId)).some((e) => e.type === 'tool.forwarded')).toBe(false);
    } finally {
      await files.close();
    }
  });

  it('past the wait: "approval pending", and an identical call re-attaches to the same pause', async () => {
    const files = await agent(svc, 'files');
    const target = join(served, 'later.txt');
    const args = { path: target, content: 'later' };
    try {
      const first = (await files.callTool({ name: 'write_file', arguments: args })) as CallToolResult;
      expect(first.isError).toBe(true);
      const pauseId = /approval pending \(pause (pse_\w+)\)/.exec(text(first))?.[1];
      expect(pauseId).toBeDefined();
      const again = files.callTool({ name: 'write_file', arguments: args });
      await decide(svc, pauseId as string, 'approved');
      const answer = (await again) as CallToolResult;
      expect(answer.isError, text(answer)).not.toBe(true);
      expect(readFileSync(target, 'utf8')).toBe('later');
    } finally {
      await files.close();
    }
  });

  it('a rule decides on the arguments; an upstream that needs a header gets it from the gateway environment', async () => {
    const remote = await agent(svc, 'records');
    try {
      const refused = (await remote.callTool({ name: 'delete_record', arguments: { id: 'prod-1' } })) as CallToolResult;
      expect(refused.isError).toBe(true);
      expect(records.deleted).toEqual([]);
      expect(text(await remote.callTool({ name: 'lookup', arguments: { id: '7' } }))).toBe('record 7');
      // No rule for a test id: gateway_default_route asks a human.
      const call = remote.callTool({ name: 'delete_record', arguments: { id: 'test-1' } });
      const pauseId = await pendingPause(svc, 'mcp__records__delete_record', { id: 'test-1' });
      await decide(svc, pauseId, 'approved');
      expect(text(await call)).toBe('deleted test-1');
      expect(records.deleted).toEqual([{ id: 'test-1' }]);
      expect((await svc.service.get(pauseId))?.policy_rule).toBe('gateway_default_route');
    } finally {
      await remote.close();
    }
  });

  it('the upstream dying mid-call is a tool error, and the approval is never forwarded twice', async () => {
    const remote = await agent(svc, 'records');
    try {
      const call = remote.callTool({ name: 'slow', arguments: { id: 'x' } });
      const pauseId = await pendingPause(svc, 'mcp__records__slow', { id: 'x' });
      await decide(svc, pauseId, 'approved');
      for (let i = 0; i < 400 && records.slowWaiting.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
      expect(records.slowWaiting).toHaveLength(1);
      records.dropConnections();
      const result = (await call) as CallToolResult;
      expect(result.isError).toBe(true);
      expect(text(result)).toContain('not retried');
      // The same call by the same pause (its receipt) is used up: nothing runs again.
      const forwarded = (await events(svc, pauseId)).filter((e) => e.type === 'tool.forwarded');
      expect(forwarded).toHaveLength(1);
      expect(forwarded[0]?.data.failed).toBeTruthy();
      for (const release of records.slowWaiting.splice(0)) release();
    } finally {
      await remote.close();
    }
  });

  it('a stdio upstream (server-everything) gets a safe environment, never the service secrets', async () => {
    const everything = await agent(svc, 'everything');
    try {
      const { tools } = await everything.listTools();
      expect(tools.find((t) => t.name === 'get-env')?.annotations?.readOnlyHint).toBe(true);
      // Read-only, no rule: it passes at once.
      const env = text(await everything.callTool({ name: 'get-env', arguments: {} }));
      expect(env).toContain('PATH');
      expect(env).not.toContain('LOOPPAUSE_SIGNING_SECRET');
      expect(env).not.toContain(UPSTREAM_TOKEN);
      // This one is not read-only: gateway_default_route asks a human.
      const call = everything.callTool({ name: 'toggle-simulated-logging', arguments: {} });
      const pauseId = await pendingPause(svc, 'mcp__everything__toggle-simulated-logging', {});
      await decide(svc, pauseId, 'approved');
      const result = (await call) as CallToolResult;
      expect(result.isError, text(result)).not.toBe(true);
      expect(text(result)).toMatch(/logging/i);
    } finally {
      await everything.close();
    }
  });

  it('an unknown server is a 404; an unknown tool is a tool error; the API key is required', async () => {
    const res = await fetch(`${svc.url}/mcp/gateway/nope`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${TEST_API_KEY}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
    });
    expect(res.status).toBe(404);
    const anonymous = await fetch(`${svc.url}/mcp/gateway/files`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
    });
    expect(anonymous.status).toBe(401);
    const files = await agent(svc, 'files');
    try {
      const result = (await files.callTool({ name: 'no_such_tool', arguments: {} })) as CallToolResult;
      expect(result.isError).toBe(true);
    } finally {
      await files.close();
    }
  });
});
