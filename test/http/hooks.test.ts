import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LoopPauseError } from '../../src/domain/errors.js';
import type { ToolCall, ToolCallAnswer, ToolCallSource } from '../../src/domain/tool-calls.js';
import { MAX_HOOK_BODY_BYTES } from '../../src/hooks/index.js';
import { createHttpApp } from '../../src/http/app.js';
import { ApiKeyAuth } from '../../src/http/auth.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { ApprovalService } from '../../src/use-cases/approval-service.js';
import {
  claudePermissionRequestOutput,
  claudePreToolUseOutput,
  cursorBeforeExecutionOutput,
  fixture,
} from '../hooks/documented.js';

const KEY = 'hooks-key-0123456789abcdef';
const MAX_WAIT = 540;

interface Judged {
  agentId: string;
  body: unknown;
  source: ToolCallSource;
  waitSeconds: number;
}

/** The engine's stand-in: records each call and answers what the test set (or throws it). */
let judged: Judged[] = [];
let next: ToolCallAnswer | Error = { decision: 'allow' };

let server: Server;
let base: string;

beforeAll(async () => {
  server = await startApp(1000);
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

/** The real HTTP app (host check, auth, rate limit, the hooks mounted as main.ts mounts them) over a memory store. */
async function startApp(rateLimitPerMinute: number): Promise<Server> {
  const store = new MemoryStore();
  const service = new ApprovalService({
    store,
    signingSecret: 'hooks-signing-secret-0123456789abcdef',
    slackEnabled: false,
    emailFallbackAfterMs: 60_000,
  });
  const app = createHttpApp({
    service,
    store,
    auth: new ApiKeyAuth([{ name: 'laptop', key: KEY }], store),
    logger: pino({ level: 'silent' }),
    allowedHosts: ['127.0.0.1'],
    trustProxy: 0,
    rateLimitPerMinute,
    hooks: {
      maxWaitSeconds: MAX_WAIT,
      toolCall: async (agentId, body, options) => {
        judged.push({ agentId, body, source: options.source, waitSeconds: options.waitSeconds });
        if (next instanceof Error) throw next;
        return next;
      },
    },
  });
  const started = createServer(app);
  await new Promise<void>((resolve) => started.listen(0, '127.0.0.1', resolve));
  return started;
}

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  judged = [];
  next = { decision: 'allow' };
});

async function post(
  path: string,
  body: string | object,
  headers: Record<string, string> = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
): Promise<{ status: number; type: string; json: Record<string, unknown> }> {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return {
    status: response.status,
    type: response.headers.get('content-type') ?? '',
    json: (await response.json()) as Record<string, unknown>,
  };
}

const preToolUse = fixture('claude-code-pre-tool-use');
const permissionRequest = fixture('claude-code-permission-request');
const shell = fixture('cursor-before-shell-execution');

describe('POST /v1/hooks/claude-code', () => {
  it('passes the tool call to the engine with the key, the source and the full wait, and answers its decision', async () => {
    next = { decision: 'deny', reason: 'Not on main', pause_id: 'pse_1' };
    const { status, json } = await post('/v1/hooks/claude-code', preToolUse);
    expect(status).toBe(200);
    expect(claudePreToolUseOutput.parse(json).hookSpecificOutput).toMatchObject({
      permissionDecision: 'deny',
      permissionDecisionReason: 'Not on main (LoopPause pause pse_1)',
    });
    expect(judged).toEqual([
      {
        agentId: 'laptop',
        source: 'claude-code',
        waitSeconds: MAX_WAIT,
        body: {
          tool: 'Bash',
          input: preToolUse.tool_input as Record<string, unknown>,
          session_id: 'abc123',
          tool_use_id: 'toolu_01ABC123...',
          cwd: '/home/user/my-project',
        } satisfies ToolCall,
      },
    ]);
  });

  it('PermissionRequest: an allow is decision.behavior allow; ask is {} (Claude Code prompts)', async () => {
    next = { decision: 'allow' };
    const allowed = await post('/v1/hooks/claude-code', permissionRequest);
    expect(claudePermissionRequestOutput.parse(allowed.json).hookSpecificOutput?.decision).toEqual({
      behavior: 'allow',
    });
    next = { decision: 'ask' };
    expect((await post('/v1/hooks/claude-code', permissionRequest)).json).toEqual({});
  });

  it('?wait= shortens the wait, never lengthens it past the limit', async () => {
    await post('/v1/hooks/claude-code?wait=5', preToolUse);
    await post('/v1/hooks/claude-code?wait=100000', preToolUse);
    expect(judged.map((j) => j.waitSeconds)).toEqual([5, MAX_WAIT]);
  });

  const failures: [string, () => ReturnType<typeof post>, RegExp][] = [
    [
      'no API key',
      () => post('/v1/hooks/claude-code', preToolUse, { 'content-type': 'application/json' }),
      /Authorization/,
    ],
    [
      'a wrong API key',
      () =>
        post('/v1/hooks/claude-code', preToolUse, {
          authorization: 'Bearer nope-nope-nope',
          'content-type': 'application/json',
        }),
      /API key is not valid/,
    ],
    ['a body that is not JSON', () => post('/v1/hooks/claude-code', '{"hook_event_name":'), /not valid JSON/],
    ['an empty body', () => post('/v1/hooks/claude-code', ''), /hook_event_name.*got none/],
    [
      'an unknown hook event',
      () => post('/v1/hooks/claude-code', { ...preToolUse, hook_event_name: 'Stop' }),
      /hook_event_name/,
    ],
    [
      'a tool_input that is not an object',
      () => post('/v1/hooks/claude-code', { ...preToolUse, tool_input: [] }),
      /tool_input/,
    ],
    ['a bad ?wait=', () => post('/v1/hooks/claude-code?wait=soon', preToolUse), /wait: must be a number/],
    [
      'a body over the limit',
      () => post('/v1/hooks/claude-code', { ...preToolUse, tool_input: { content: 'x'.repeat(MAX_HOOK_BODY_BYTES) } }),
      /larger than/,
    ],
  ];
  for (const [what, send, reason] of failures) {
    it(`${what}: HTTP 200 and a deny that says why, the engine not asked`, async () => {
      const { status, type, json } = await send();
      expect(status).toBe(200);
      expect(type).toMatch(/application\/json/);
      const output = claudePreToolUseOutput.parse(json).hookSpecificOutput;
      expect(output.permissionDecision).toBe('deny');
      expect(output.permissionDecisionReason).toMatch(reason);
      expect(judged).toEqual([]);
    });
  }

  it('PermissionRequest with a wrong key or none: the deny is in its own shape (decision.behavior), the engine not asked', async () => {
    for (const headers of <Record<string, string>[]>[
      { authorization: 'Bearer nope-nope-nope', 'content-type': 'application/json' },
      { 'content-type': 'application/json' },
    ]) {
      const { status, json } = await post('/v1/hooks/claude-code', permissionRequest, headers);
      expect(status).toBe(200);
      const output = claudePermissionRequestOutput.parse(json).hookSpecificOutput;
      expect(output?.decision).toEqual({ behavior: 'deny', message: expect.stringMatching(/API key|Authorization/) });
    }
    // A large body from a caller without a key: read only as far as its event name, and answered so.
    const big = { ...permissionRequest, tool_input: { content: 'x'.repeat(MAX_HOOK_BODY_BYTES * 2) } };
    const refused = await post('/v1/hooks/claude-code', big, { 'content-type': 'application/json' });
    expect(claudePermissionRequestOutput.parse(refused.json).hookSpecificOutput?.decision).toMatchObject({
      behavior: 'deny',
    });
    expect(judged).toEqual([]);
  });

  it("the engine's refusal is a deny naming the hook's field (tool_input for the engine's input)", async () => {
    next = new LoopPauseError('invalid_argument', 'input: must be at most 65536 bytes as canonical JSON', 'input');
    const { json } = await post('/v1/hooks/claude-code', permissionRequest);
    const output = claudePermissionRequestOutput.parse(json).hookSpecificOutput;
    expect(output?.decision).toEqual({
      behavior: 'deny',
      message: expect.stringMatching(/tool_input: must be at most 65536 bytes/),
    });
  });

  it('an unexpected engine error is a deny, its details not sent', async () => {
    next = new Error('secret internals');
    const { status, json } = await post('/v1/hooks/claude-code', preToolUse);
    expect(status).toBe(200);
    const output = claudePreToolUseOutput.parse(json).hookSpecificOutput;
    expect(output.permissionDecision).toBe('deny');
    expect(output.permissionDecisionReason).not.toMatch(/secret/);
  });
});

describe('failures before the hook route (host check, rate limit) are denies too', () => {
  it('a Host the service does not serve: HTTP 200 and a deny', async () => {
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        `${base}/v1/hooks/claude-code`,
        {
          method: 'POST',
          headers: { host: 'evil.example', authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        },
        (res) => {
          let text = '';
          res.on('data', (d: Buffer) => {
            text += d.toString();
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify(preToolUse));
    });
    expect(status).toBe(200);
    expect(claudePreToolUseOutput.parse(JSON.parse(body)).hookSpecificOutput).toMatchObject({
      permissionDecision: 'deny',
      permissionDecisionReason: expect.stringMatching(/Host header/),
    });
  });

  it('over the rate limit: HTTP 200 and a deny', async () => {
    const limited = await startApp(1);
    const url = `http://127.0.0.1:${(limited.address() as AddressInfo).port}/v1/hooks/cursor`;
    try {
      const send = () =>
        fetch(url, {
          method: 'POST',
          headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify(shell),
        });
      expect(cursorBeforeExecutionOutput.parse(await (await send()).json()).permission).toBe('allow');
      const second = await send();
      expect(second.status).toBe(200);
      expect(cursorBeforeExecutionOutput.parse(await second.json())).toMatchObject({
        permission: 'deny',
        user_message: expect.stringMatching(/rate limit/),
      });
    } finally {
      await new Promise((resolve) => limited.close(resolve));
    }
  });
});

describe('POST /v1/hooks/cursor', () => {
  it('beforeShellExecution: the tool Shell judged with source cursor; the answer is permission', async () => {
    next = { decision: 'ask', reason: 'Ask locally' };
    const { json } = await post('/v1/hooks/cursor', shell);
    expect(cursorBeforeExecutionOutput.parse(json)).toEqual({
      permission: 'ask',
      user_message: 'Ask locally',
      agent_message: 'Ask locally',
    });
    expect(judged[0]).toMatchObject({ source: 'cursor', body: { tool: 'Shell', session_id: shell.conversation_id } });
  });

  it('any failure is a Cursor deny at HTTP 200 (a wrong key; an unknown event)', async () => {
    const wrongKey = await post('/v1/hooks/cursor', shell, {
      authorization: 'Bearer wrong-key-wrong',
      'content-type': 'application/json',
    });
    expect(wrongKey.status).toBe(200);
    expect(cursorBeforeExecutionOutput.parse(wrongKey.json).permission).toBe('deny');
    const unknown = await post('/v1/hooks/cursor', { ...shell, hook_event_name: 'stop' });
    expect(cursorBeforeExecutionOutput.parse(unknown.json)).toMatchObject({
      permission: 'deny',
      agent_message: expect.stringMatching(/hook_event_name/),
    });
    expect(judged).toEqual([]);
  });
});
