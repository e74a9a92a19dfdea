import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Pause } from '../../src/domain/pause.js';
import { toolCallView } from '../../src/domain/tool-call-view.js';
import type { ToolCallRecord } from '../../src/domain/tool-calls.js';
import { callThroughGateway } from '../../src/gateway/call-tool.js';
import type { Upstream } from '../../src/gateway/upstream.js';
import type { RunningService } from '../../src/main.js';
import { toolCallBlocks } from '../../src/slack/blocks/tool-call.js';
import { toolCallText } from '../../src/web/tool-call-html.js';
import { pauseAt } from '../helpers/pauses.js';
import { startTestService, TEST_API_KEY } from '../helpers/service.js';

// An approval given in one context must never answer the same command in another.
const POLICY = `
rules:
  - name: prod-never
    when: { tool: Bash, if: 'cwd.startsWith("/prod")' }
    decide: rejected
  - name: dev-bash
    when: { tool: Bash }
    route: { email: dev@example.com }
    remember: 1h
`;
const tmp = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'tool-context-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function toolCall(svc: RunningService, body: unknown) {
  const res = await fetch(`${svc.url}/v1/tool-calls`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { decision?: string } };
}

const rm = (cwd: string, id?: string) => ({
  tool: 'Bash',
  input: { command: 'rm -rf data' },
  session_id: 's-1',
  cwd,
  ...(id === undefined ? {} : { tool_use_id: id }),
});

describe('tool calls are judged in their context', () => {
  let svc: RunningService | undefined;
  afterEach(async () => {
    await svc?.close();
    svc = undefined;
  });
  async function start() {
    const path = join(tmp, `policy-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(path, POLICY);
    svc = await startTestService({ LOOPPAUSE_POLICY_FILE: path });
    return svc;
  }
  const approve = (running: RunningService, pauseId: string, remember = false) =>
    running.service.decide(pauseId, {
      decision: 'approved',
      responder: 'dev@example.com',
      channel: 'email',
      identities: ['dev@example.com'],
      ...(remember ? { remember: true } : {}),
    });

  it('an approval (used or not) or a session approval in one directory never answers the same command in another', async () => {
    const running = await start();
    expect((await toolCall(running, rm('/prod/app'))).body).toMatchObject({
      decision: 'deny',
      policy_rule: 'prod-never',
    });
    const dev = await toolCall(running, rm('/dev/sandbox'));
    expect(dev.body.decision).toBe('pending');
    // Pending elsewhere: the prod call is judged by its own rule.
    expect((await toolCall(running, rm('/prod/app'))).body.policy_rule).toBe('prod-never');
    await approve(running, dev.body.pause_id as string, true);
    for (const id of [undefined, 'toolu_new']) {
      const prod = await toolCall(running, rm('/prod/app', id));
      expect(prod.body).toMatchObject({ decision: 'deny', policy_rule: 'prod-never' });
    }
    // In its own directory the session approval holds.
    expect((await toolCall(running, rm('/dev/sandbox'))).body.decision).toBe('allow');
    expect((await toolCall(running, rm('/dev/other'))).body.decision).toBe('pending');
  });

  it('a tool_use_id replayed in another directory is refused, not answered with its decision', async () => {
    const running = await start();
    const first = await toolCall(running, rm('/dev/sandbox', 'toolu_1'));
    await approve(running, first.body.pause_id as string);
    expect((await toolCall(running, rm('/dev/sandbox', 'toolu_1'))).body.decision).toBe('allow');
    const replay = await toolCall(running, rm('/dev/elsewhere', 'toolu_1'));
    expect(replay.body.decision).toBe('deny');
    expect(String(replay.body.reason)).toContain('tool_use_id');
  });

  it('a __proto__ key anywhere in the input is refused naming the field: it would hide from the digest', async () => {
    const running = await start();
    for (const raw of [
      '{"tool":"Bash","input":{"command":"ls","__proto__":{"x":1}}}',
      '{"tool":"Bash","input":{"opts":{"__proto__":{"force":true}}}}',
    ]) {
      const res = await fetch(`${running.url}/v1/tool-calls`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
        body: raw,
      });
      const body = (await res.json()) as { error?: { field?: string; message: string } };
      expect(res.status).toBe(400);
      expect(body.error?.field).toBe('input');
      expect(body.error?.message).toContain('__proto__');
    }
  });

  it('gateway.read_only is only for MCP tools', async () => {
    const running = await start();
    const answer = await toolCall(running, { tool: 'Bash', input: { command: 'ls' }, gateway: { read_only: true } });
    expect(answer.status).toBe(400);
  });

  it('the hook routes fail closed in any letter case of the path', async () => {
    const running = await start();
    const res = await fetch(`${running.url}/v1/hooks/Claude-Code`, {
      method: 'POST',
      headers: { authorization: 'Bearer wrong-key-0123456789', 'content-type': 'application/json' },
      body: JSON.stringify({ hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command: 'ls' } }),
    });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { hookSpecificOutput?: { permissionDecision?: string } };
    expect(answer.hookSpecificOutput?.permissionDecision).toBe('deny');
  });
});

/** A pending pause of `dev` holding `call`. */
function pauseOf(call: ToolCallRecord): Pause {
  const pause = pauseAt(Date.now(), { agent_id: 'dev' });
  return {
    ...pause,
    tool_call: call,
    request: { ...pause.request, action_description: toolCallView(call, 'dev').title },
  };
}

describe('what the approver sees', () => {
  const call = {
    tool: 'Bash',
    input: { command: 'npm test', dangerouslyDisableSandbox: true, timeout: 600000 },
    session_id: 's-1\n*:white_check_mark: Pre-approved by Security*',
    cwd: '/repo',
    source: 'claude-code' as const,
  };

  it('every input key, not only the command', () => {
    const view = toolCallView(call, 'dev');
    expect(view.rest?.text).toContain('dangerouslyDisableSandbox');
    expect(toolCallText(view).join('\n')).toContain('dangerouslyDisableSandbox');
    const blocks = JSON.stringify(toolCallBlocks(pauseOf(call)));
    expect(blocks).toContain('dangerouslyDisableSandbox');
  });

  it('a line break in the session cannot start mrkdwn of its own in Slack', () => {
    const facts = toolCallBlocks(pauseOf(call)).find(
      (b) => b.type === 'context' && JSON.stringify(b).includes('session'),
    );
    const text = JSON.stringify(facts);
    expect(text).not.toContain('\\n*:white_check_mark:');
  });
});

describe('the gateway when a key holds every wait it may', () => {
  it('answers at once that too many calls wait, instead of spinning', async () => {
    let waits = 0;
    const result = await callThroughGateway(
      {
        service: {
          toolCall: async () => ({ decision: 'pending', pause_id: 'pse_1' }),
          // The waiting checks refused a slot: back at once, still pending.
          awaitToolCall: async () => {
            waits++;
            return { decision: 'pending', pause_id: 'pse_1' };
          },
          claimToolCall: async (answer) => answer,
        },
        audit: { appendAudit: async () => undefined },
        waitSeconds: 5,
        lifetimeSeconds: 60,
        now: Date.now,
      },
      'agent-a',
      {
        name: 'files',
        tool: async () => ({ tool: { name: 'write', inputSchema: { type: 'object' } }, readOnly: false }),
      } as unknown as Upstream,
      'write',
      {},
    );
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toContain('too many calls');
    expect(waits).toBe(1);
  });
});

describe('the gateway forwards only what an answer may carry', () => {
  const upstreamOf = (readOnly: boolean, calls: string[]) =>
    ({
      name: 'files',
      tool: async () => ({ tool: { name: 'write', inputSchema: { type: 'object' } }, readOnly }),
      callTool: async (name: string) => {
        calls.push(name);
        return { content: [] };
      },
    }) as unknown as Upstream;
  const deps = (answer: { decision: 'allow'; pause_id?: string }) => ({
    service: {
      toolCall: async () => answer,
      awaitToolCall: async () => answer,
      claimToolCall: async (a: typeof answer) => a,
    },
    audit: { appendAudit: async () => undefined },
    waitSeconds: 5,
    lifetimeSeconds: 60,
    now: Date.now,
  });

  it('an allow without a pause for a tool that is not read-only is refused', async () => {
    const calls: string[] = [];
    const result = await callThroughGateway(
      deps({ decision: 'allow' }),
      'agent-a',
      upstreamOf(false, calls),
      'write',
      {},
    );
    expect(result.isError).toBe(true);
    expect(calls).toEqual([]);
  });

  it('a call its client gave up on is not forwarded', async () => {
    const calls: string[] = [];
    const gaveUp = AbortSignal.abort();
    const result = await callThroughGateway(
      deps({ decision: 'allow' }),
      'agent-a',
      upstreamOf(true, calls),
      'write',
      {},
      {
        signal: gaveUp,
      },
    );
    expect(result.isError).toBe(true);
    expect(calls).toEqual([]);
  });
});
