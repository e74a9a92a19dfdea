import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/main.js';
import { startTestService, TEST_API_KEY } from '../helpers/service.js';

// Every Bash call needs a human unless it is exactly `ls`; everything else is denied.
const POLICY = `
tool_calls_default: deny
rules:
  - name: ls
    when: { tool: Bash, if: 'has(input.command) && input.command == "ls"' }
    decide: approved
  - name: bash
    when: { tool: Bash }
    route: { email: ops@example.com }
`;

describe('POST /v1/tool-calls under arbitrary input', () => {
  let svc: RunningService;
  const tmp = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'tool-fuzz-'));
  beforeAll(async () => {
    const path = join(tmp, 'policy.yaml');
    writeFileSync(path, POLICY);
    svc = await startTestService({ LOOPPAUSE_POLICY_FILE: path, LOOPPAUSE_RATE_LIMIT_PER_MINUTE: '0' });
  });
  afterAll(async () => {
    await svc?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  async function post(body: string) {
    const res = await fetch(`${svc.url}/v1/tool-calls`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      body,
    });
    return { status: res.status, json: (await res.json()) as { decision?: string; pause_id?: string } };
  }

  it('arbitrary bodies are answered 200 or 4xx, never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.jsonValue(), fc.record({ tool: fc.string(), input: fc.jsonValue() })),
        async (body) => {
          const { status } = await post(JSON.stringify(body));
          expect([200, 400]).toContain(status);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a Bash input other than exactly {command: "ls"} is never allowed without a human', async () => {
    const input = fc.dictionary(
      fc.oneof(fc.constant('command'), fc.constant('__proto__'), fc.string({ maxLength: 10 })),
      fc.oneof(fc.constant('ls'), fc.string(), fc.jsonValue()),
      { maxKeys: 4 },
    );
    await fc.assert(
      fc.asyncProperty(input, fc.option(fc.string({ minLength: 1, maxLength: 20 })), async (toolInput, session) => {
        const { status, json } = await post(
          JSON.stringify({ tool: 'Bash', input: toolInput, ...(session ? { session_id: session } : {}) }),
        );
        if (Object.hasOwn(toolInput, '__proto__')) {
          // An input LoopPause cannot judge as the tool would read it is refused, naming the field.
          expect(status).toBe(400);
          expect((json as { error?: { field?: string } }).error?.field).toBe('input');
          return;
        }
        expect(status).toBe(200);
        if (toolInput.command === 'ls') expect(json.decision).toBe('allow');
        else expect(json.decision).toBe('pending');
      }),
      { numRuns: 150 },
    );
  });

  it('another tool name, however odd, is what tool_calls_default says', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 1, maxLength: 200 }).filter((t) => t !== 'Bash'),
        fc.oneof(fc.jsonValue(), fc.dictionary(fc.constant('__proto__'), fc.jsonValue(), { minKeys: 1 })),
        async (tool, value) => {
          const { status, json } = await post(JSON.stringify({ tool, input: { value } }));
          if (holdsProtoKey(value)) expect(status).toBe(400);
          else expect(json.decision).toBe('deny');
        },
      ),
      { numRuns: 100 },
    );
  });

  it('the hook routes answer any body with HTTP 200 in the agent format, and allow only the one allowed call', async () => {
    const event = fc.constantFrom('PreToolUse', 'PermissionRequest', 'preToolUse', 'beforeShellExecution', 'x');
    const body = fc.oneof(
      fc.jsonValue(),
      fc.record(
        {
          hook_event_name: event,
          session_id: fc.string(),
          conversation_id: fc.string(),
          tool_name: fc.oneof(fc.constant('Bash'), fc.string()),
          tool_input: fc.oneof(fc.record({ command: fc.oneof(fc.constant('ls'), fc.string()) }), fc.jsonValue()),
          command: fc.string(),
        },
        { requiredKeys: [] },
      ),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('claude-code', 'cursor', 'Claude-Code'), body, async (agent, input) => {
        const res = await fetch(`${svc.url}/v1/hooks/${agent}?wait=0`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify(input),
        });
        expect(res.status).toBe(200);
        const text = await res.text();
        if (/"(permissionDecision|permission|behavior)":"allow"/.test(text)) {
          // Only `ls` in Bash is decided approved by the policy; nothing else may come back allowed.
          const sent = input as { tool_name?: unknown; tool_input?: { command?: unknown } };
          expect(sent.tool_name).toBe('Bash');
          expect(sent.tool_input?.command).toBe('ls');
        }
      }),
      { numRuns: 150 },
    );
  });
});

/** Whether a `__proto__` key is anywhere in the value: LoopPause refuses such an input as one it cannot judge. */
function holdsProtoKey(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(holdsProtoKey);
  if (value === null || typeof value !== 'object') return false;
  return Object.keys(value).some(
    (key) => key === '__proto__' || holdsProtoKey((value as Record<string, unknown>)[key]),
  );
}
