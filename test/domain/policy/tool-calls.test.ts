import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  evaluatePolicy,
  evaluateToolCallPolicy,
  type Policy,
  PolicyError,
  parsePolicy,
  type ToolCallPolicyInput,
  type ToolCallPolicyOutcome,
} from '../../../src/domain/policy/index.js';
import { MAX_TOOL_INPUT_BYTES, MAX_TOOL_INPUT_DEPTH } from '../../../src/domain/tool-calls.js';
import { TOOL_CALL_POLICY } from './fixtures.js';

function errorsOf(yaml: string): string[] {
  const result = parsePolicy(yaml);
  if (result.ok) throw new Error('expected the policy to be refused');
  return result.errors;
}

function policyOf(yaml: string): Policy {
  const result = parsePolicy(yaml);
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.policy;
}

const call = (over: Partial<ToolCallPolicyInput> = {}): ToolCallPolicyInput => ({
  agent: 'laptop',
  tool: 'Bash',
  input: { command: 'ls' },
  ...over,
});

function policyErrorOf(run: () => unknown): PolicyError {
  try {
    run();
  } catch (error) {
    if (error instanceof PolicyError) return error;
    throw error;
  }
  throw new Error('expected a PolicyError');
}

describe('parsePolicy: tool-call rules', () => {
  it('loads when.tool, remember (in ms) and tool_calls_default; ask is the default', () => {
    const policy = policyOf(TOOL_CALL_POLICY);
    expect(policy.toolCallsDefault).toBe('ask');
    const pushes = policy.rules[3];
    expect(pushes?.when).toEqual({ tool: 'Bash', if: expect.any(String) });
    expect(pushes?.toolMatcher).toBeTypeOf('function');
    expect(pushes?.effect).toMatchObject({ kind: 'route', rememberMs: 3_600_000, onTimeout: 'rejected' });
    expect(policy.rules[0]?.toolMatcher).toBeUndefined();
    expect(policy.rules[0]?.effect).not.toHaveProperty('rememberMs');
    expect(policyOf('rules:\n  - name: a\n    route: { email: a@b.co }\n').toolCallsDefault).toBe('ask');
    for (const value of ['allow', 'deny'] as const) {
      expect(
        policyOf(`tool_calls_default: ${value}\nrules:\n  - name: a\n    decide: approved\n`).toolCallsDefault,
      ).toBe(value);
    }
    for (const [written, ms] of [
      ['90s', 90_000],
      ['30m', 1_800_000],
      ['1d', 86_400_000],
      ['7d', 7 * 86_400_000],
      [600, 600_000],
    ] as const) {
      const rule = { name: 't', when: { tool: 'Bash' }, route: { email: 'a@b.co' }, remember: written };
      expect(policyOf(stringify({ rules: [rule] })).rules[0]?.effect).toMatchObject({ rememberMs: ms });
    }
  });

  it('refuses every misuse, each naming its place', () => {
    const rule = (r: object) =>
      stringify({
        rules: [
          { name: 'first', decide: 'rejected' },
          { name: 'r', ...r },
        ],
      });
    const cases: [string, string][] = [
      [
        rule({ when: { tool: 'Bash', action: 'Run *' }, decide: 'approved' }),
        'rules[1].when.action: cannot be combined with when.tool',
      ],
      [
        rule({ when: { tool: 'Bash' }, approvers: ['a@b.co'] }),
        'rules[1].route: is required for a tool-call rule (when.tool)',
      ],
      [
        rule({ when: { tool: 'Bash' }, decide: 'approved', remember: '1h' }),
        'rules[1].remember: cannot be combined with decide',
      ],
      [
        rule({ route: { email: 'a@b.co' }, remember: '1h' }),
        'rules[1].remember: is only for tool-call rules (when.tool)',
      ],
      [
        rule({ when: { tool: 'Bash' }, route: { email: 'a@b.co' }, remember: '8d' }),
        'rules[1].remember: must be at most 7 days',
      ],
      [
        rule({ when: { tool: 'Bash' }, route: { email: 'a@b.co' }, remember: 'soon' }),
        'rules[1].remember: must be a duration',
      ],
      [rule({ when: { tool: '' }, decide: 'approved' }), 'rules[1].when.tool: must not be empty'],
      [rule({ when: { tool: ['Bash'] }, decide: 'approved' }), 'rules[1].when.tool: must be a string'],
      [
        rule({ when: { tool: 'Bash', if: 'details.x == "1"' }, decide: 'approved' }),
        "rules[1].when.if: unknown variable details: a tool-call rule (when.tool) sees agent, tool, input, cwd, session_id; action and details are request_approval's",
      ],
      [
        rule({ when: { tool: 'Bash', if: 'action == "x"' }, decide: 'approved' }),
        'rules[1].when.if: unknown variable action: a tool-call rule',
      ],
      [
        rule({ when: { if: 'input.command == "x"' }, decide: 'approved' }),
        'rules[1].when.if: unknown variable input: tool, input, cwd and session_id are for tool-call rules (when.tool); this rule sees agent, action, details',
      ],
      [rule({ when: { if: 'tool == "Bash"' }, decide: 'approved' }), 'rules[1].when.if: unknown variable tool:'],
      [rule({ when: { if: 'cwd == "/"' }, decide: 'approved' }), 'rules[1].when.if: unknown variable cwd:'],
      [
        rule({ when: { tool: 'Bash', if: 'nope == 1' }, decide: 'approved' }),
        'rules[1].when.if: unknown variable nope (only agent, tool, input, cwd, session_id are declared in a tool-call rule)',
      ],
      [
        rule({ when: { tool: 'Bash', if: 'tool + cwd' }, decide: 'approved' }),
        'rules[1].when.if: must be a boolean expression, not string',
      ],
      [
        `tool_calls_default: maybe\nrules:\n  - name: a\n    decide: approved\n`,
        'tool_calls_default: must be allow, ask or deny',
      ],
    ];
    for (const [yaml, expected] of cases) {
      const errors = errorsOf(yaml);
      expect(
        errors.some((e) => e.startsWith(expected)),
        `${expected}\n  got: ${errors.join('\n  ')}`,
      ).toBe(true);
    }
  });

  it('agent_routing does not apply to tool calls: even under allow a routing tool rule names its route', () => {
    const errors = errorsOf(
      'agent_routing: allow\nrules:\n  - name: t\n    when: { tool: Bash }\n    approvers: [a@b.co]\n',
    );
    expect(errors).toEqual([
      'rules[0].route: is required for a tool-call rule (when.tool) that does not decide: a hook names no recipients',
    ]);
    // The same rule for requests is fine under allow: the agent names the recipients.
    expect(parsePolicy('agent_routing: allow\nrules:\n  - name: t\n    approvers: [a@b.co]\n').ok).toBe(true);
  });

  it('a tool rule sees the variables it declares, with the usual load-time checks', () => {
    for (const condition of [
      'tool == "Bash" && agent.startsWith("ci") && cwd == "" && session_id == ""',
      'has(input.command) && input.command.matches("^git ")',
      'input.edits.exists(e, e.path.endsWith(".env"))',
    ]) {
      expect(
        parsePolicy(stringify({ rules: [{ name: 't', when: { tool: '*', if: condition }, decide: 'approved' }] })).ok,
      ).toBe(true);
    }
    // matches() still needs a literal pattern the agent cannot choose.
    expect(
      errorsOf(
        stringify({ rules: [{ name: 't', when: { tool: '*', if: 'tool.matches(input.re)' }, decide: 'approved' }] }),
      ),
    ).toEqual(['rules[0].when.if: matches() needs a literal pattern']);
  });
});

describe('evaluateToolCallPolicy', () => {
  const policy = policyOf(TOOL_CALL_POLICY);
  const evaluate = (over: Partial<ToolCallPolicyInput> = {}) => evaluateToolCallPolicy(policy, call(over));

  it('matches the tool name by glob, rules in file order, first match wins', () => {
    expect(evaluate({ tool: 'Read', input: { file_path: '/etc/passwd' } })).toEqual({
      kind: 'decide',
      rule: 'read-only',
      decision: 'approved',
    });
    expect(evaluate({ tool: 'Grep' })).toMatchObject({ kind: 'decide', rule: 'grep' });
    expect(evaluate({ tool: 'Grip' })).toMatchObject({ kind: 'decide', rule: 'grep' });
    expect(evaluate({ tool: 'read' })).toEqual({ kind: 'default', decision: 'ask' });
    expect(evaluate({ tool: 'mcp__github__create_issue', agent: 'ci-main' })).toMatchObject({
      kind: 'route',
      rule: 'github-writes',
      route: { email: 'ops@acme.com' },
    });
    // The agent glob still applies: another key's GitHub call falls to the default.
    expect(evaluate({ tool: 'mcp__github__create_issue', agent: 'laptop' })).toEqual({
      kind: 'default',
      decision: 'ask',
    });
    expect(evaluate({ tool: 'mcp__gitlab__create_issue', agent: 'ci-main' })).toEqual({
      kind: 'default',
      decision: 'ask',
    });
  });

  it('routes with the rule’s plan, remember included', () => {
    expect(evaluate({ input: { command: 'git push --force origin main' } })).toEqual({
      kind: 'route',
      rule: 'pushes',
      route: { slack: '#deploys' },
      approvers: ['lead@acme.com', 'U0LEAD0001'],
      quorum: 1,
      ownerCannotApprove: false,
      responseFields: [],
      timeoutHours: 1,
      remindAfterMs: [],
      escalate: [],
      onTimeout: 'rejected',
      rememberMs: 3_600_000,
    });
    expect(evaluate({ input: { command: 'cd infra && terraform apply -auto-approve' } })).toMatchObject({
      rule: 'pushes',
    });
    expect(evaluate({ input: { command: 'rm -rf / --no-preserve-root' } })).toMatchObject({
      kind: 'decide',
      rule: 'no-rm',
      decision: 'rejected',
    });
    expect(evaluate({ input: { command: 'git status' } })).toEqual({ kind: 'default', decision: 'ask' });
  });

  it('never matches a request rule, and evaluatePolicy never matches a tool rule', () => {
    // `anything` (no when) and `refunds` are request rules: a tool call never meets them.
    expect(evaluate({ tool: 'Write', input: { file_path: 'a', content: 'Refund everything' } })).toEqual({
      kind: 'default',
      decision: 'ask',
    });
    const tools = policyOf(
      'rules:\n  - name: t\n    when: { tool: "*" }\n    decide: approved\n  - name: any\n    decide: rejected\n',
    );
    expect(evaluatePolicy(tools, { agent: 'bot', action: 'Bash', details: {} })).toEqual({
      kind: 'decide',
      rule: 'any',
      decision: 'rejected',
    });
    const onlyTools = policyOf('rules:\n  - name: t\n    when: { tool: "*" }\n    decide: approved\n');
    expect(evaluatePolicy(onlyTools, { agent: 'bot', action: 'x', details: {} })).toEqual({ kind: 'no_match' });
    expect(evaluateToolCallPolicy(onlyTools, call())).toEqual({ kind: 'decide', rule: 't', decision: 'approved' });
  });

  it('gives tool_calls_default when no rule matches', () => {
    for (const value of ['allow', 'ask', 'deny'] as const) {
      const p = policyOf(`tool_calls_default: ${value}\nrules:\n  - name: a\n    route: { email: a@b.co }\n`);
      expect(evaluateToolCallPolicy(p, call())).toEqual({ kind: 'default', decision: value });
    }
  });

  it('CEL sees tool, input (nested values as JSON: doubles, lists, maps, null), cwd, session_id and agent', () => {
    const rules = [
      ['nested', 'input.a.b[1].c == "deep" && input.a.n == 3 && input.a.f > 1.25 && input.a.z == null'],
      ['lists', 'input.edits.exists(e, e.file_path.endsWith(".env"))'],
      ['absent', '!has(input.missing) && has(input.flag) && input.flag'],
      ['where', 'cwd.startsWith("/repo") && session_id == "s-1" && agent == "laptop" && tool == "Edit"'],
      ['empty', 'cwd == "" && session_id == ""'],
    ];
    const p = policyOf(
      stringify({
        rules: rules.map(([name, condition]) => ({ name, when: { tool: '*', if: condition }, decide: 'approved' })),
      }),
    );
    const rule = (over: Partial<ToolCallPolicyInput>) => {
      const outcome = evaluateToolCallPolicy(p, call({ tool: 'Edit', ...over }));
      return outcome.kind === 'default' ? 'default' : outcome.rule;
    };
    // A condition that fails on a missing key is an error, not a silent false: each input has what the rules read.
    const base = { a: { b: [{}, { c: 'x' }], n: 1, f: 0, z: 1 }, edits: [], flag: false };
    expect(rule({ input: { ...base, a: { b: [{}, { c: 'deep' }], n: 3, f: 1.5, z: null } } })).toBe('nested');
    expect(rule({ input: { ...base, edits: [{ file_path: 'a.ts' }, { file_path: '.env' }] } })).toBe('lists');
    expect(rule({ input: { ...base, flag: true } })).toBe('absent');
    expect(rule({ input: base, cwd: '/repo/app', session_id: 's-1' })).toBe('where');
    expect(rule({ input: base })).toBe('empty');
    expect(rule({ input: base, cwd: '/elsewhere' })).toBe('default');
  });

  it('a condition that cannot judge the call is a PolicyError naming the rule, never a match', () => {
    const p = policyOf(
      stringify({
        rules: [
          { name: 'reads', when: { tool: 'Bash', if: 'input.command.startsWith("x")' }, decide: 'approved' },
          { name: 'sums', when: { tool: 'Sum', if: 'input.n + 1 == 2' }, decide: 'approved' },
        ],
      }),
    );
    expect(policyErrorOf(() => evaluateToolCallPolicy(p, call({ input: {} }))).message).toMatch(
      /^rules\[0\] \(reads\)\.if: No such key: command/,
    );
    expect(policyErrorOf(() => evaluateToolCallPolicy(p, call({ input: { command: 7 } }))).rule).toEqual({
      index: 0,
      name: 'reads',
    });
    // JSON numbers are doubles: `+ 1` (an int) has no overload; the author writes 1.0 or int(input.n).
    expect(policyErrorOf(() => evaluateToolCallPolicy(p, call({ tool: 'Sum', input: { n: 1 } }))).message).toContain(
      'rules[1] (sums).if:',
    );
  });

  it('refuses a call it cannot judge: oversized, too deep, not JSON, bad strings (PolicyError, field policy)', () => {
    const p = policyOf('rules:\n  - name: t\n    when: { tool: "*" }\n    decide: approved\n');
    let deep: unknown = 'x';
    for (let i = 0; i < MAX_TOOL_INPUT_DEPTH; i++) deep = [deep];
    let tooDeep: unknown = 'x';
    for (let i = 0; i <= MAX_TOOL_INPUT_DEPTH; i++) tooDeep = [tooDeep];
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    // At the limits: judged.
    expect(evaluateToolCallPolicy(p, call({ input: { d: (deep as unknown[])[0] } })).kind).toBe('decide');
    expect(
      evaluateToolCallPolicy(p, call({ input: { s: 'a'.repeat(MAX_TOOL_INPUT_BYTES - '{"s":""}'.length) } })).kind,
    ).toBe('decide');
    const refused: [Partial<ToolCallPolicyInput>, RegExp][] = [
      [{ input: { d: (tooDeep as unknown[])[0] } }, /must nest at most 32 levels deep/],
      [{ input: cyclic }, /must nest at most 32 levels deep/],
      [{ input: { s: 'a'.repeat(MAX_TOOL_INPUT_BYTES) } }, /must be at most 65536 bytes as JSON/],
      [{ input: { s: 'é'.repeat(MAX_TOOL_INPUT_BYTES / 2) } }, /must be at most 65536 bytes as JSON/],
      [{ input: { n: Number.NaN } }, /finite numbers/],
      [{ input: { f: () => 1 } }, /must be JSON/],
      [{ input: { b: 1n } }, /must be JSON/],
      [{ input: { d: new Date() } }, /must be JSON/],
      [{ input: [] as unknown as Record<string, unknown> }, /the tool input must be an object/],
      [{ input: null as unknown as Record<string, unknown> }, /the tool input must be an object/],
      [{ tool: 'x'.repeat(201) }, /the tool name must be a string/],
      [{ tool: 7 as unknown as string }, /the tool name must be a string/],
      [{ agent: 'x'.repeat(201) }, /the agent name/],
      [{ cwd: 'x'.repeat(4097) }, /cwd must be a string/],
      [{ session_id: 'x'.repeat(201) }, /session_id must be a string/],
    ];
    for (const [over, message] of refused) {
      const error = policyErrorOf(() => evaluateToolCallPolicy(p, call(over)));
      expect(error.message, String(message)).toMatch(message);
      expect(error.field).toBe('policy');
    }
  });

  it('hostile conditions over the largest input stay within the CEL budget (PolicyError, not a hang)', () => {
    const list = Array.from({ length: 2_000 }, (_, i) => i % 10);
    const big = { list, text: `${'a'.repeat(58_000)}!` };
    const frozen = () => 0;
    const cases: [string, RegExp][] = [
      ['input.list.all(x, input.list.all(y, x != 11.0))', /evaluation steps, over the budget/],
      [
        'input.text.matches("(\\\\p{L}|\\\\p{N}|\\\\s){99}$")',
        /matches\(\) over 58001 characters with this pattern is over the budget/,
      ],
      ['input.list.map(x, input.list).size() > 0', /made a value of more than 262144 characters or elements/],
      ['input.list.map(x, input.text).join("").size() > 0', /made a value of more than 262144 characters or elements/],
    ];
    for (const [condition, message] of cases) {
      const p = policyOf(stringify({ rules: [{ name: 'h', when: { tool: '*', if: condition }, decide: 'approved' }] }));
      const error = policyErrorOf(() => evaluateToolCallPolicy(p, call({ input: big }), { now: frozen }));
      expect(error.message, condition).toMatch(message);
    }
    // RE2: a pattern that backtracks catastrophically elsewhere runs in linear time over the whole text.
    const re2 = policyOf(
      stringify({
        rules: [{ name: 'h', when: { tool: '*', if: 'input.text.matches("^(a|aa)+$")' }, decide: 'approved' }],
      }),
    );
    expect(evaluateToolCallPolicy(re2, call({ input: big }), { now: frozen })).toEqual({
      kind: 'default',
      decision: 'ask',
    });
    // With a clock that moves, the time budget stops what the step limit alone would let run on.
    let t = 0;
    const ticking = () => (t += 1);
    const p = policyOf(
      stringify({
        rules: [
          { name: 'h', when: { tool: '*', if: 'input.list.all(x, input.list.all(y, x != 11.0))' }, decide: 'approved' },
        ],
      }),
    );
    expect(policyErrorOf(() => evaluateToolCallPolicy(p, call({ input: big }), { now: ticking })).message).toMatch(
      /over the 50 ms budget$/,
    );
  });
});

/** JSON values as a tool input carries them, keys chosen to meet the conditions below now and then. */
const jsonInput = fc.dictionary(
  fc.oneof(
    fc.constantFrom('command', 'file_path', 'edits', 'n', '__proto__', 'constructor'),
    fc.string({ maxLength: 8 }),
  ),
  fc.jsonValue({ maxDepth: 4 }),
  { maxKeys: 6 },
);

describe('evaluateToolCallPolicy: properties', () => {
  const mixed = policyOf(`
rules:
  - name: req-any
    decide: approved
  - name: req-agents
    when: { agents: ["*"], if: 'agent != ""' }
    route: { email: a@b.co }
  - name: bash-cmd
    when: { tool: "Ba*", if: 'has(input.command) && string(input.command).startsWith("git")' }
    decide: approved
  - name: typed
    when: { tool: "*", if: 'has(input.n) && input.n > 2.0' }
    route: { slack: "#x" }
  - name: edits
    when: { tool: "Ed?t", if: 'has(input.edits) && size(input.edits) > 1' }
    decide: rejected
  - name: req-tail
    route: { email: a@b.co }
`);
  const requestRules = new Set(['req-any', 'req-agents', 'req-tail']);

  it('on arbitrary JSON inputs throws nothing but PolicyError and never matches a request rule', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('Bash', 'Edit', 'Edat', 'Read', 'mcp__x__y', ''),
        jsonInput,
        fc.option(fc.string({ maxLength: 10 }), { nil: undefined }),
        fc.option(fc.string({ maxLength: 10 }), { nil: undefined }),
        (tool, input, cwd, session) => {
          let outcome: ToolCallPolicyOutcome;
          try {
            outcome = evaluateToolCallPolicy(mixed, {
              agent: 'bot',
              tool,
              input,
              ...(cwd === undefined ? {} : { cwd }),
              ...(session === undefined ? {} : { session_id: session }),
            });
          } catch (error) {
            if (error instanceof PolicyError) return;
            throw error;
          }
          if (outcome.kind === 'default') expect(outcome.decision).toBe('ask');
          else expect(requestRules.has(outcome.rule)).toBe(false);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('on arbitrary values as input (not only JSON) still throws nothing but PolicyError', () => {
    fc.assert(
      fc.property(fc.anything({ maxDepth: 3 }), fc.anything({ maxDepth: 1 }), (input, tool) => {
        try {
          evaluateToolCallPolicy(mixed, { agent: 'bot', tool, input } as ToolCallPolicyInput);
        } catch (error) {
          if (!(error instanceof PolicyError)) throw error;
        }
      }),
      { numRuns: 500 },
    );
  });
});
