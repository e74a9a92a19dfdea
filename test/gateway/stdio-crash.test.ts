import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/main.js';
import { eventually } from '../helpers/eventually.js';
import { startTestService, TEST_API_KEY } from '../helpers/service.js';
import { agent, approve, auditEvents, gatewayPost, pendingPause, resultText } from './agent.js';

const root = new URL('../..', import.meta.url).pathname;
const EVERYTHING = join(root, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');
const PROBE = join(root, 'test/gateway/stdio-probe.mjs');
const LONG = 'trigger-long-running-operation';
const POLICY = `
rules:
  - name: long-operations
    when: { tool: "mcp__everything__${LONG}" }
    route: { email: ops@example.com }
`;

const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('a stdio upstream killed mid-call', () => {
  const tmp = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'gateway-stdio-crash-'));
  const probe = join(tmp, 'probe');
  let svc: RunningService;

  beforeAll(async () => {
    mkdirSync(probe);
    writeFileSync(join(tmp, 'policy.yaml'), POLICY);
    writeFileSync(
      join(tmp, 'gateway.yaml'),
      `servers:
  everything:
    command: ${JSON.stringify(process.execPath)}
    args: [--import, ${JSON.stringify(PROBE)}, ${JSON.stringify(EVERYTHING)}, stdio]
    env: { PROBE_DIR: ${JSON.stringify(probe)} }
  absent:
    command: ${JSON.stringify(join(tmp, 'no-such-program'))}
`,
    );
    svc = await startTestService({
      LOOPPAUSE_POLICY_FILE: join(tmp, 'policy.yaml'),
      LOOPPAUSE_GATEWAY_FILE: join(tmp, 'gateway.yaml'),
      LOOPPAUSE_GATEWAY_WAIT_SECONDS: '30',
    });
  });
  afterAll(async () => {
    await svc?.close();
    for (const pid of lines(join(probe, 'pids')).map(Number)) if (alive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(tmp, { recursive: true, force: true });
  });

  it('the agent gets a tool error, the approval is forwarded once (failed), and the next call starts the upstream again', async () => {
    const client = await agent(svc, 'everything');
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toContain(LONG);
      const [first] = lines(join(probe, 'pids')).map(Number);
      expect(first).toBeGreaterThan(0);

      const args = { duration: 600, steps: 1 };
      const call = client.callTool({ name: LONG, arguments: args }, undefined, { timeout: 60_000 });
      const pauseId = await pendingPause(svc, `mcp__everything__${LONG}`, args);
      expect(lines(join(probe, 'calls'))).toEqual([]);
      await approve(svc, pauseId);
      // The approved call has reached the child: now it dies, as a crash would.
      await eventually(() => (lines(join(probe, 'calls')).length > 0 ? true : undefined));
      process.kill(first as number, 'SIGKILL');

      const result = await call;
      expect(result.isError).toBe(true);
      expect(resultText(result)).toContain('not retried');
      const forwarded = (await auditEvents(svc, pauseId)).filter((e) => e.type === 'tool.forwarded');
      expect(forwarded).toHaveLength(1);
      expect(forwarded[0]?.data.failed).toEqual(expect.stringContaining('everything'));
      expect(forwarded[0]?.data.result_sha256).toBeUndefined();

      // The next call starts a new child; the approved call is not sent to it again.
      const echoed = await client.callTool({ name: 'echo', arguments: { message: 'after the crash' } });
      expect(resultText(echoed)).toContain('after the crash');
      const pids = lines(join(probe, 'pids')).map(Number);
      expect(pids).toHaveLength(2);
      expect(pids[1]).not.toBe(first);
      expect(alive(first as number)).toBe(false);
      expect(lines(join(probe, 'calls'))).toEqual([String(first), String(pids[1])]);
      expect((await auditEvents(svc, pauseId)).filter((e) => e.type === 'tool.forwarded')).toHaveLength(1);
    } finally {
      await client.close();
    }
  });

  it('a stdio server that cannot be started: tools/list is an error naming it, a call is a tool error, and nothing is asked', async () => {
    const res = await gatewayPost(svc, 'absent', { jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} });
    expect(res.status).toBe(200);
    const listed = (await res.json()) as { error?: { message: string } };
    expect(listed.error?.message).toContain('the upstream server "absent" could not be reached');
    const client = await agent(svc, 'absent');
    try {
      const result = await client.callTool({ name: 'anything', arguments: {} });
      expect(result.isError).toBe(true);
      expect(resultText(result)).toContain('could not be reached');
    } finally {
      await client.close();
    }
    const pending = await fetch(`${svc.url}/v1/pauses?status=pending`, {
      headers: { authorization: `Bearer ${TEST_API_KEY}` },
    });
    expect(((await pending.json()) as { items: unknown[] }).items).toEqual([]);
  });
});
