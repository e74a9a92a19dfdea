import { describe, expect, it } from 'vitest';
import {
  CEL_TIME_BUDGET_MS,
  evaluatePolicy,
  type Policy,
  PolicyError,
  type PolicyInput,
  parsePolicy,
} from '../../../src/domain/policy/index.js';
import { EXAMPLE_POLICY } from './fixtures.js';

function policyOf(yaml: string): Policy {
  const result = parsePolicy(yaml);
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.policy;
}

const input = (over: Partial<PolicyInput> = {}): PolicyInput => ({ agent: 'bot', action: 'x', details: {}, ...over });

function policyErrorOf(run: () => unknown): PolicyError {
  try {
    run();
  } catch (error) {
    if (error instanceof PolicyError) return error;
    throw error;
  }
  throw new Error('expected a PolicyError');
}

describe('evaluatePolicy: the documented example', () => {
  const policy = policyOf(EXAMPLE_POLICY);

  it('auto-approves a small refund from support-bot', () => {
    expect(
      evaluatePolicy(policy, input({ agent: 'support-bot', action: 'Refund order 7', details: { amount: '49.99' } })),
    ).toEqual({ kind: 'decide', rule: 'small-refunds', decision: 'approved' });
  });

  it('does not auto-approve a large refund, another agent, or another action', () => {
    const large = input({ agent: 'support-bot', action: 'Refund order 7', details: { amount: '50.01' } });
    const otherAgent = input({ agent: 'sales-bot', action: 'Refund order 7', details: { amount: '5' } });
    const otherAction = input({ agent: 'support-bot', action: 'Cancel order 7', details: { amount: '5' } });
    for (const request of [large, otherAgent, otherAction])
      expect(evaluatePolicy(policy, request).kind).toBe('no_match');
  });

  it('routes "Transfer *" to #finance-approvals with group:finance expanded', () => {
    expect(evaluatePolicy(policy, input({ action: 'Transfer $12,000 to ACME' }))).toEqual({
      kind: 'route',
      rule: 'payments',
      route: { slack: '#finance-approvals', email: 'cfo@acme.com' },
      approvers: ['U0SARAH123', 'cfo@acme.com'],
      quorum: 2,
      ownerCannotApprove: true,
      responseFields: [{ name: 'po_number', label: 'PO number', required: true }],
      timeoutHours: 4,
      remindAfterMs: [1_800_000, 7_200_000],
      escalate: [{ afterMs: 3_600_000, route: { slack: '#cfo-office' }, approvers: ['U0CFO45678', 'cfo@acme.com'] }],
      onTimeout: 'rejected',
    });
  });

  it('refuses, never matches, a refund whose amount is not a number or is missing', () => {
    for (const details of [{ amount: 'abc' }, {}] as Array<Record<string, string>>) {
      const error = policyErrorOf(() =>
        evaluatePolicy(policy, input({ agent: 'support-bot', action: 'Refund order 7', details })),
      );
      expect(error.message).toMatch(/^rules\[0\] \(small-refunds\)\.if: /);
      expect(error.field).toBe('policy');
      expect(error.rule).toEqual({ index: 0, name: 'small-refunds' });
    }
  });

  it('does not evaluate the condition when the globs already rule the rule out', () => {
    expect(
      evaluatePolicy(policy, input({ agent: 'sales-bot', action: 'Refund', details: { amount: 'abc' } })).kind,
    ).toBe('no_match');
  });
});

describe('evaluatePolicy: matching', () => {
  it('takes the first matching rule', () => {
    const policy = policyOf(`
rules:
  - { name: first, when: { action: "Deploy *" }, decide: rejected }
  - { name: second, when: { action: "Deploy prod" }, decide: approved }
  - { name: catch-all, decide: approved }
`);
    expect(evaluatePolicy(policy, input({ action: 'Deploy prod' }))).toMatchObject({ rule: 'first' });
    expect(evaluatePolicy(policy, input({ action: 'Drop table' }))).toMatchObject({ rule: 'catch-all' });
  });

  it('matches any of several agent globs, including regex metacharacters in names', () => {
    const policy = policyOf(`
rules:
  - { name: r, when: { agents: ["ci.prod+(1)", "deploy-?", "ops-*"] }, decide: approved }
`);
    for (const agent of ['ci.prod+(1)', 'deploy-a', 'ops-', 'ops-east']) {
      expect(evaluatePolicy(policy, input({ agent })).kind, agent).toBe('decide');
    }
    for (const agent of ['ciXprod+(1)', 'ci.prodd(1)', 'deploy-ab', 'Ops-east', 'deploy-']) {
      expect(evaluatePolicy(policy, input({ agent })).kind, agent).toBe('no_match');
    }
  });

  it('evaluates CEL over agent, action and details', () => {
    const policy = policyOf(`
rules:
  - name: r
    decide: approved
    when: { if: 'agent == "a" && action.startsWith("Pay") && details.env == "staging" && size(details) == 1' }
`);
    expect(evaluatePolicy(policy, input({ agent: 'a', action: 'Pay', details: { env: 'staging' } })).kind).toBe(
      'decide',
    );
    expect(evaluatePolicy(policy, input({ agent: 'a', action: 'Pay', details: { env: 'prod' } })).kind).toBe(
      'no_match',
    );
  });

  it('lets a condition guard a missing key with has() or in', () => {
    const policy = policyOf(`
rules:
  - { name: r, decide: approved, when: { if: 'has(details.amount) && double(details.amount) < 10.0' } }
`);
    expect(evaluatePolicy(policy, input()).kind).toBe('no_match');
    expect(evaluatePolicy(policy, input({ details: { amount: '3' } })).kind).toBe('decide');
  });

  it('refuses a dyn result that is not a boolean, naming the rule', () => {
    const policy = policyOf(`
rules:
  - { name: ok, when: { action: "never" }, decide: approved }
  - { name: odd, decide: approved, when: { if: 'dyn(details.flag)' } }
`);
    expect(policyErrorOf(() => evaluatePolicy(policy, input({ details: { flag: 'yes' } }))).message).toBe(
      'rules[1] (odd).if: returned a string, not a boolean',
    );
  });

  it('refuses a run that exceeds the time budget', () => {
    const policy = policyOf('rules:\n  - { name: slow, decide: approved, when: { if: "true" } }\n');
    let clock = 0;
    const now = () => {
      clock += CEL_TIME_BUDGET_MS + 1;
      return clock;
    };
    expect(policyErrorOf(() => evaluatePolicy(policy, input(), { now })).message).toMatch(
      /^rules\[0\] \(slow\)\.if: took \d+ ms, over the 50 ms budget$/,
    );
  });

  describe('the time budget, the conditions of one request together', () => {
    // A clock that jumps past the budget on one read only: the read after `slowAfter` reads.
    const jumpingClock = (slowAfter: number) => {
      let reads = 0;
      let clock = 0;
      return () => {
        reads++;
        if (reads === slowAfter + 1) clock += CEL_TIME_BUDGET_MS + 1;
        return clock;
      };
    };
    const falseRules = (count: number) =>
      Array.from({ length: count }, (_, i) => `  - { name: f${i}, decide: approved, when: { if: "false" } }`).join(
        '\n',
      );

    it('refuses an over-budget false run before a later rule without a condition can match', () => {
      const policy = policyOf(`rules:\n${falseRules(1)}\n  - { name: any, decide: approved }\n`);
      expect(policyErrorOf(() => evaluatePolicy(policy, input(), { now: jumpingClock(1) })).message).toMatch(
        /^rules\[0\] \(f0\)\.if: took \d+ ms, over the 50 ms budget$/,
      );
    });

    it('refuses an over-budget false run before answering no_match', () => {
      const policy = policyOf(`rules:\n${falseRules(2)}\n`);
      expect(policyErrorOf(() => evaluatePolicy(policy, input(), { now: jumpingClock(1) })).message).toMatch(
        /^rules\[1\] \(f1\)\.if: the conditions of rules\[0\] to rules\[1\] took \d+ ms, over the 50 ms budget$/,
      );
    });

    it('counts every condition of the request from the first, and reads the clock before and after them', () => {
      const policy = policyOf(`rules:\n${falseRules(9)}\n  - { name: any, decide: approved }\n`);
      // Cheap conditions: one read before rules[0], one before the outcome is returned.
      const refused = policyErrorOf(() => evaluatePolicy(policy, input(), { now: jumpingClock(1) }));
      expect(refused.message).toMatch(
        /^rules\[8\] \(f8\)\.if: the conditions of rules\[0\] to rules\[8\] took \d+ ms, over the 50 ms budget$/,
      );
      expect(refused.rule).toEqual({ index: 8, name: 'f8' });
      expect(evaluatePolicy(policy, input(), { now: jumpingClock(2) })).toMatchObject({ rule: 'any' });
    });
  });

  it('refuses inputs beyond the request limits before evaluating anything', () => {
    const policy = policyOf('rules: [{ name: r, decide: approved }]');
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
    expect(policyErrorOf(() => evaluatePolicy(policy, input({ details: many }))).message).toMatch(/at most 50 entries/);
    expect(policyErrorOf(() => evaluatePolicy(policy, input({ action: 'x'.repeat(3001) }))).rule).toBeUndefined();
    expect(policyErrorOf(() => evaluatePolicy(policy, input({ details: { a: 'x'.repeat(2001) } }))).field).toBe(
      'policy',
    );
  });

  it('returns no_match when nothing matches', () => {
    const policy = policyOf('rules: [{ name: r, when: { agents: [ci] }, decide: approved }]');
    expect(evaluatePolicy(policy, input())).toEqual({ kind: 'no_match' });
  });

  it('keeps the worst allowed comprehension over full-size details well within the budget', () => {
    const policy = policyOf(`
rules:
  - { name: r, decide: approved, when: { if: 'details.all(a, details.all(b, details[a] + details[b] != "x"))' } }
`);
    const details = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v'.repeat(2000)]));
    // A still clock: the step and size budgets are what this holds to, not how busy the machine is.
    expect(evaluatePolicy(policy, input({ details }), { now: () => 0 }).kind).toBe('decide');
  });
});
