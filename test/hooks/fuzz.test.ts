import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LoopPauseError } from '../../src/domain/errors.js';
import type { ToolCallAnswer } from '../../src/domain/tool-calls.js';
import { HOOK_ADAPTERS, type HookAdapter, type HookVerdict } from '../../src/hooks/index.js';
import { failureOf } from '../../src/hooks/verdict.js';
import { fixture } from './documented.js';

const FIXTURES: Record<string, string[]> = {
  'claude-code': ['claude-code-pre-tool-use', 'claude-code-permission-request'],
  cursor: [
    'cursor-pre-tool-use',
    'cursor-before-shell-execution',
    'cursor-before-mcp-execution',
    'cursor-before-mcp-execution-named',
  ],
};

const KEYS = [
  'hook_event_name',
  'tool_name',
  'tool_input',
  'tool_use_id',
  'session_id',
  'conversation_id',
  'cwd',
  'command',
  'mcp_server_name',
  'workspace_roots',
  '__proto__',
  'constructor',
];

/** Hook inputs: arbitrary JSON, and documented inputs with fields replaced by arbitrary JSON or removed. */
function hookInputs(agent: string): fc.Arbitrary<unknown> {
  const mutated = fc
    .tuple(
      fc.constantFrom(...(FIXTURES[agent] ?? [])),
      fc.dictionary(fc.constantFrom(...KEYS), fc.option(fc.jsonValue(), { nil: undefined }), { maxKeys: 4 }),
    )
    .map(([name, changes]) => JSON.parse(JSON.stringify({ ...fixture(name), ...changes })) as unknown);
  return fc.oneof(fc.jsonValue(), mutated, fc.anything());
}

/** What the route does with a body: read it, ask the engine, answer; a failure is answered as such. */
function answerBody(adapter: HookAdapter, body: unknown, engine: (call: unknown) => ToolCallAnswer): unknown {
  const event = adapter.eventOf(body);
  try {
    const request = adapter.read(body);
    return adapter.answer(request.event, engine(request.call));
  } catch (error) {
    return adapter.answer(event, failureOf(error, adapter, event));
  }
}

/** Whether a hook output lets the tool run (Claude Code or Cursor). */
function isAllow(output: unknown): boolean {
  const text = JSON.stringify(output);
  return /"permissionDecision":"allow"|"behavior":"allow"|"permission":"allow"/.test(text);
}

const notAllow = fc.oneof(
  fc.constantFrom<ToolCallAnswer['decision']>('deny', 'ask', 'pending').map((decision) => ({ decision })),
  fc.record({ decision: fc.string() as fc.Arbitrary<ToolCallAnswer['decision']>, reason: fc.string() }),
  fc.record({ failure: fc.string() }),
) as fc.Arbitrary<HookVerdict>;

describe.each(HOOK_ADAPTERS.map((adapter) => [adapter.agent, adapter] as const))('%s hook fuzz', (_agent, adapter) => {
  it('any input: read either gives a tool call or throws a LoopPauseError; the answer is a documented output', () => {
    fc.assert(
      fc.property(hookInputs(adapter.agent), fc.boolean(), (body, allow) => {
        let threw: unknown;
        try {
          adapter.read(body);
        } catch (error) {
          threw = error;
          expect(error).toBeInstanceOf(LoopPauseError);
        }
        const output = answerBody(adapter, body, () => ({ decision: allow ? 'allow' : 'deny' }));
        expect(adapter.output.safeParse(output).success).toBe(true);
        // Only an input that reads as a tool call, judged allow, is ever an allow.
        expect(isAllow(output)).toBe(allow && threw === undefined);
      }),
      { numRuns: 400 },
    );
  });

  it('no verdict but an engine allow is ever an allow, for any event', () => {
    fc.assert(
      fc.property(fc.constantFrom(...adapter.events, undefined), notAllow, (event, verdict) => {
        expect(isAllow(adapter.answer(event, verdict))).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});

describe('tool inputs are passed on exactly', () => {
  const toolInputs = fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 6 });

  it('Claude Code and Cursor preToolUse: the tool call carries tool_input unchanged', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('claude-code-pre-tool-use', 'claude-code-permission-request', 'cursor-pre-tool-use'),
        toolInputs,
        (name, toolInput) => {
          const adapter = HOOK_ADAPTERS.find((a) => name.startsWith(a.agent)) as HookAdapter;
          expect(adapter.read({ ...fixture(name), tool_input: toolInput }).call.input).toEqual(toolInput);
        },
      ),
    );
  });

  it('Cursor beforeMCPExecution: the arguments string is read as the object it encodes', () => {
    const cursor = HOOK_ADAPTERS.find((a) => a.agent === 'cursor') as HookAdapter;
    fc.assert(
      fc.property(toolInputs, (args) => {
        const body = { ...fixture('cursor-before-mcp-execution-named'), tool_input: JSON.stringify(args) };
        expect(cursor.read(body).call.input).toEqual(JSON.parse(JSON.stringify(args)));
      }),
    );
  });
});
