import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/main.js';
import { type ProcessResult, runProcess } from '../helpers/cli.js';
import { eventually } from '../helpers/eventually.js';
import { startTestService, TEST_API_KEY } from '../helpers/service.js';
import {
  claudePermissionRequestOutput,
  claudePreToolUseOutput,
  cursorBeforeExecutionOutput,
  fixture,
  fixtureText,
} from '../hooks/documented.js';

const ENTRIES = {
  looppause: new URL('../../src/cli/looppause.ts', import.meta.url).pathname,
  'looppause-mcp': new URL('../../src/cli/looppause-mcp.ts', import.meta.url).pathname,
};

/** `looppause hook <agent>` (or `looppause-mcp hook <agent>`, the npx package) as an agent runs it: its own process, stdin in. */
function hook(
  agent: string,
  stdin: string,
  env: Record<string, string>,
  bin: keyof typeof ENTRIES = 'looppause',
): Promise<ProcessResult> {
  return runProcess(
    process.execPath,
    ['--import', 'tsx', ENTRIES[bin], 'hook', agent],
    { LOG_LEVEL: 'silent', ...env },
    stdin,
  );
}

/** A port nothing listens on: bound, then closed. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A local HTTP server answering each request with `handler` (which may never answer). */
async function fakeService(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

const preToolUse = fixtureText('claude-code-pre-tool-use');
const shell = fixtureText('cursor-before-shell-execution');

/** Claude Code's fail-closed answer: a PreToolUse deny on stdout, the reason on stderr, exit code 2. */
function expectClaudeDeny(result: ProcessResult, reason: RegExp): void {
  expect(result.code).toBe(2);
  const output = claudePreToolUseOutput.parse(JSON.parse(result.stdout)).hookSpecificOutput;
  expect(output.permissionDecision).toBe('deny');
  expect(output.permissionDecisionReason).toMatch(reason);
  expect(result.stderr).toMatch(reason);
}

function expectCursorDeny(result: ProcessResult, reason: RegExp): void {
  expect(result.code).toBe(0);
  const output = cursorBeforeExecutionOutput.parse(JSON.parse(result.stdout));
  expect(output.permission).toBe('deny');
  expect(output.agent_message).toMatch(reason);
}

describe('looppause hook: every failure is a deny', () => {
  it('the service is down: deny, and exit 2 for Claude Code', async () => {
    const env = { LOOPPAUSE_API_URL: `http://127.0.0.1:${await deadPort()}`, LOOPPAUSE_API_KEY: 'k' };
    expectClaudeDeny(await hook('claude-code', preToolUse, env), /cannot reach the LoopPause service/);
    expectCursorDeny(await hook('cursor', shell, env), /cannot reach the LoopPause service/);
  });

  it('the npx package (looppause-mcp hook) fails closed the same way', async () => {
    const env = { LOOPPAUSE_API_URL: `http://127.0.0.1:${await deadPort()}`, LOOPPAUSE_API_KEY: 'k' };
    expectClaudeDeny(await hook('claude-code', preToolUse, env, 'looppause-mcp'), /cannot reach/);
  });

  it('no API key: deny naming LOOPPAUSE_API_KEY', async () => {
    expectClaudeDeny(await hook('claude-code', preToolUse, {}), /LOOPPAUSE_API_KEY/);
  });

  it('the service never answers: deny after LOOPPAUSE_HOOK_TIMEOUT_SECONDS', async () => {
    const { url, server } = await fakeService(() => {});
    servers.push(server);
    const env = { LOOPPAUSE_API_URL: url, LOOPPAUSE_API_KEY: 'k', LOOPPAUSE_HOOK_TIMEOUT_SECONDS: '1' };
    expectClaudeDeny(await hook('claude-code', preToolUse, env), /no answer within 1 s/);
  });

  it('bad stdin: not JSON, nothing, too large, an unknown event, a bad field', async () => {
    const env = { LOOPPAUSE_API_URL: `http://127.0.0.1:${await deadPort()}`, LOOPPAUSE_API_KEY: 'k' };
    expectClaudeDeny(await hook('claude-code', '{"tool_name":', env), /not valid JSON/);
    expectClaudeDeny(await hook('claude-code', '', env), /no hook input/);
    expectClaudeDeny(await hook('claude-code', 'x'.repeat(600 * 1024), env), /larger than/);
    expectClaudeDeny(
      await hook(
        'claude-code',
        JSON.stringify({ ...fixture('claude-code-pre-tool-use'), hook_event_name: 'Stop' }),
        env,
      ),
      /hook_event_name/,
    );
    expectCursorDeny(
      await hook('cursor', JSON.stringify({ ...fixture('cursor-before-shell-execution'), command: 7 }), env),
      /command: must be a string/,
    );
  });

  it('a PermissionRequest that fails is a PermissionRequest deny', async () => {
    const env = { LOOPPAUSE_API_URL: `http://127.0.0.1:${await deadPort()}`, LOOPPAUSE_API_KEY: 'k' };
    const result = await hook('claude-code', fixtureText('claude-code-permission-request'), env);
    expect(result.code).toBe(2);
    expect(claudePermissionRequestOutput.parse(JSON.parse(result.stdout)).hookSpecificOutput?.decision.behavior).toBe(
      'deny',
    );
  });

  it('an answer that is not HTTP 200, or not a documented output, is a deny (never the allow in it)', async () => {
    const answers: [number, string, RegExp][] = [
      [500, '{"permission":"allow","user_message":"","agent_message":""}', /HTTP 500/],
      [200, '<html>allow</html>', /not a cursor hook output/],
      [200, '{"permission":"allow","user_message":"","agent_message":"","extra":1}', /not a cursor hook output/],
      [200, '{"permission":"allow"}', /not a cursor hook output/],
    ];
    for (const [status, body, reason] of answers) {
      const { url, server } = await fakeService((_req, res) => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(body);
      });
      servers.push(server);
      expectCursorDeny(await hook('cursor', shell, { LOOPPAUSE_API_URL: url, LOOPPAUSE_API_KEY: 'k' }), reason);
    }
  });

  it('a Claude Code answer for another event, or {} ("no decision"), to a PreToolUse is a deny', async () => {
    for (const body of [
      '{}',
      '{"hookSpecificOutput":{"hookEventName":"PermissionRequest","decision":{"behavior":"allow"}}}',
    ]) {
      const { url, server } = await fakeService((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      });
      servers.push(server);
      expectClaudeDeny(
        await hook('claude-code', preToolUse, { LOOPPAUSE_API_URL: url, LOOPPAUSE_API_KEY: 'k' }),
        /hook output for PreToolUse/,
      );
    }
  });

  it('an unknown agent: usage on stderr, exit 2, nothing on stdout', async () => {
    const result = await hook('copilot', preToolUse, {});
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toMatch(/looppause hook claude-code\|cursor/);
  });
});

const POLICY = `
tool_calls_default: ask
rules:
  - name: push
    when: { tool: Bash, if: 'input.command.startsWith("git push")' }
    route: { email: ops@example.com }
`;

describe('looppause hook against a running service', () => {
  const tmp = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'hook-cli-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  let svc: RunningService | undefined;
  afterEach(async () => {
    await svc?.close();
    svc = undefined;
  });

  async function start(): Promise<RunningService> {
    const path = join(tmp, `policy-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(path, POLICY);
    svc = await startTestService({ LOOPPAUSE_POLICY_FILE: path });
    return svc;
  }

  const push = JSON.stringify({
    ...fixture('claude-code-pre-tool-use'),
    tool_input: { command: 'git push origin main', description: 'Push' },
  });

  /** The pending pause the hook's call opened. */
  async function pendingPause(running: RunningService): Promise<string> {
    return eventually(async () => {
      const res = await fetch(`${running.url}/v1/pauses?status=pending`, {
        headers: { authorization: `Bearer ${TEST_API_KEY}` },
      });
      return ((await res.json()) as { items: { pause_id: string }[] }).items[0]?.pause_id;
    }, 15_000);
  }

  function env(running: RunningService, key = TEST_API_KEY): Record<string, string> {
    return { LOOPPAUSE_API_URL: running.url, LOOPPAUSE_API_KEY: key, LOOPPAUSE_HOOK_WAIT_SECONDS: '25' };
  }

  /** Runs the hook on a `git push` while a human decides the pause it opens. */
  async function decidedWhileWaiting(decision: 'approved' | 'rejected', comment = ''): Promise<ProcessResult> {
    const running = await start();
    const waiting = hook('claude-code', push, env(running));
    const pauseId = await pendingPause(running);
    await running.service.decide(pauseId, {
      decision,
      comment,
      responder: 'ops@example.com',
      channel: 'email',
      identities: ['ops@example.com'],
    });
    return waiting;
  }

  it('a human approves while the hook waits: it prints the allow and exits 0', async () => {
    const result = await decidedWhileWaiting('approved');
    expect(result.code).toBe(0);
    expect(claudePreToolUseOutput.parse(JSON.parse(result.stdout)).hookSpecificOutput.permissionDecision).toBe('allow');
  });

  it('a human rejects: it prints the deny with the comment', async () => {
    const result = await decidedWhileWaiting('rejected', 'not on a Friday');
    expect(result.code).toBe(0);
    const output = claudePreToolUseOutput.parse(JSON.parse(result.stdout)).hookSpecificOutput;
    expect(output.permissionDecision).toBe('deny');
    expect(output.permissionDecisionReason).toMatch(/not on a Friday/);
  });

  it('no rule needs a human: the answer is ask (Claude Code prompts as usual)', async () => {
    const running = await start();
    const result = await hook('claude-code', preToolUse, env(running));
    expect(result.code).toBe(0);
    expect(claudePreToolUseOutput.parse(JSON.parse(result.stdout)).hookSpecificOutput.permissionDecision).toBe('ask');
  });

  it('a wrong API key: the service answers a deny that says so', async () => {
    const running = await start();
    const result = await hook('cursor', shell, env(running, 'wrong-key-0123456789'));
    expectCursorDeny(result, /API key is not valid/);
  });
});
