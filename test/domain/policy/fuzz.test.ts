import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { evaluatePolicy, type Policy, PolicyError, parsePolicy } from '../../../src/domain/policy/index.js';
import { EXAMPLE_POLICY } from './fixtures.js';

const yamlish = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        'rules:',
        '  - name: r',
        '    decide: approved',
        '    when: { if: "',
        '    route: { slack: "#x" }',
        'groups: { g: [a@b.co] }',
        '    approvers: [group:g]',
        '    quorum: ',
        '    escalate: [{ after: ',
        '&a [*a]',
        '*a',
        '!!binary',
        '!!js/function',
        '{',
        '}',
        '[',
        '---',
        '...',
        '? ',
        '__proto__: x',
        '%YAML 1.1',
        '\t',
      ),
      fc.string({ maxLength: 40 }),
    ),
    { maxLength: 20 },
  )
  .map((lines) => lines.join('\n'));

const cel = fc.oneof(
  fc.constantFrom(
    'true',
    'double(details.amount) <= 50.0',
    'int(details.n) > 2',
    'details.a.matches("^[a-z]+$")',
    'action.contains(details.q)',
    'size(details) > 0 && agent != ""',
    'details.all(k, details[k] != "")',
    'dyn(details.v)',
    'cel.bind(x, details.a, x + x == "")',
    '1 / int(details.n) == 0',
    'timestamp(details.t) > timestamp("2020-01-01T00:00:00Z")',
  ),
  fc.string({ maxLength: 30 }),
);

const ruleDoc = fc.record(
  {
    name: fc.oneof(fc.constantFrom('a', 'b', 'c'), fc.string({ maxLength: 10 })),
    when: fc.record(
      { agents: fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }), action: fc.string({ maxLength: 8 }), if: cel },
      { requiredKeys: [] },
    ),
    decide: fc.constantFrom('approved', 'rejected', 'maybe'),
    route: fc.record(
      { slack: fc.constantFrom('#x', 'U0ABCDEFG', 'nope'), email: fc.constantFrom('a@b.co', 'x') },
      { requiredKeys: [] },
    ),
    approvers: fc.array(fc.constantFrom('group:g', 'group:zz', 'a@b.co', 'U0ABCDEFG', 'x'), { maxLength: 4 }),
    quorum: fc.oneof(fc.integer({ min: -1, max: 5 }), fc.double()),
    remind_after: fc.array(
      fc.oneof(fc.constantFrom('30m', '2h', '1d', '0s', 'x'), fc.integer({ min: -5, max: 100_000 })),
    ),
    escalate: fc.array(fc.record({ after: fc.constantFrom('1h', 30, 'z'), approvers: fc.constant(['group:g']) }), {
      maxLength: 2,
    }),
    timeout_hours: fc.oneof(fc.integer({ min: 0, max: 200 }), fc.double()),
    on_timeout: fc.constantFrom('timed_out', 'rejected', 'approved', 'never'),
    extra: fc.anything(),
  },
  { requiredKeys: ['name'] },
);

const policyDoc = fc.record(
  {
    groups: fc.dictionary(
      fc.string({ maxLength: 5 }),
      fc.array(fc.constantFrom('a@b.co', 'U0ABCDEFG', '#c'), { maxLength: 3 }),
    ),
    agent_routing: fc.constantFrom('allow', 'restrict', 'deny', 'other'),
    admins: fc.array(fc.constantFrom('a@b.co', 'x')),
    rules: fc.array(ruleDoc, { maxLength: 4 }),
  },
  { requiredKeys: [] },
);

const details = fc.dictionary(
  fc.oneof(
    fc.constantFrom('amount', 'n', 'a', 'q', 'v', 't', '__proto__', 'constructor'),
    fc.string({ maxLength: 10 }),
  ),
  fc.oneof(fc.constantFrom('20', '0', 'abc', '', '1e400', 'NaN', '2024-01-01T00:00:00Z'), fc.string({ maxLength: 20 })),
  { maxKeys: 8 },
);

function expectResultShape(result: ReturnType<typeof parsePolicy>): void {
  if (result.ok) expect(result.policy.rules.length).toBeGreaterThan(0);
  else expect(result.errors.length).toBeGreaterThan(0);
}

describe('parsePolicy never throws', () => {
  it('on random YAML-ish text', () => {
    fc.assert(
      fc.property(yamlish, (text) => {
        expectResultShape(parsePolicy(text));
      }),
      { numRuns: 500 },
    );
  });

  it('on random documents', () => {
    fc.assert(
      fc.property(policyDoc, (doc) => {
        const result = parsePolicy(stringify(doc));
        expectResultShape(result);
        if (!result.ok)
          for (const error of result.errors)
            expect(error).toMatch(/^(line \d+|policy|rules|groups|admins|agent_routing)/);
      }),
      { numRuns: 500 },
    );
  });
});

describe('evaluatePolicy throws nothing but PolicyError', () => {
  const celRules = fc.array(fc.tuple(cel, fc.constantFrom('approved', 'rejected')), { minLength: 1, maxLength: 4 });

  it('on random conditions and inputs', () => {
    fc.assert(
      fc.property(
        celRules,
        fc.string({ maxLength: 10 }),
        fc.string({ maxLength: 20 }),
        details,
        (rules, agent, action, d) => {
          const yaml = stringify({
            rules: rules.map(([cond, decide], i) => ({ name: `r${i}`, when: { if: cond }, decide })),
          });
          const parsed = parsePolicy(yaml);
          if (!parsed.ok) return;
          try {
            const outcome = evaluatePolicy(parsed.policy, { agent, action, details: d });
            expect(['decide', 'no_match']).toContain(outcome.kind);
          } catch (error) {
            expect(error).toBeInstanceOf(PolicyError);
            expect((error as PolicyError).message).toMatch(/^(rules\[\d+\] \(r\d+\)\.if|policy): /);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('on inputs of the wrong shape', () => {
    const result = parsePolicy(EXAMPLE_POLICY);
    if (!result.ok) throw new Error(result.errors.join('\n'));
    const policy: Policy = result.policy;
    fc.assert(
      fc.property(fc.anything(), fc.anything(), fc.anything(), (agent, action, d) => {
        try {
          evaluatePolicy(policy, { agent, action, details: d } as never);
        } catch (error) {
          expect(error).toBeInstanceOf(PolicyError);
        }
      }),
      { numRuns: 300 },
    );
  });
});
