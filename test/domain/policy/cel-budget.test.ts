import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  evaluatePolicy,
  type Policy,
  PolicyError,
  type PolicyInput,
  parsePolicy,
} from '../../../src/domain/policy/index.js';

/**
 * The CEL budget stops a running evaluation: no condition an operator can load lets an agent's input hold the
 * process. None of these asserts a duration; each asserts the outcome, which before the budget was enforced during
 * evaluation either never came (the test timed out) or came out differently.
 */

function policyOf(...conditions: string[]): Policy {
  const result = parsePolicy(
    stringify({
      rules: conditions.map((condition, i) => ({ name: `r${i}`, when: { if: condition }, decide: 'approved' })),
    }),
  );
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.policy;
}

function loadErrors(condition: string, name = 'deploys'): string[] {
  const result = parsePolicy(
    stringify({
      rules: [
        { name: 'first', decide: 'rejected' },
        { name, when: { if: condition }, decide: 'approved' },
      ],
    }),
  );
  if (result.ok) throw new Error(`expected ${condition} to be refused`);
  return result.errors;
}

const input = (action: string, details: Record<string, string> = {}): PolicyInput => ({
  agent: 'bot',
  action,
  details,
});

function outcomeOf(policy: Policy, request: PolicyInput, now?: () => number): string {
  try {
    return evaluatePolicy(policy, request, now ? { now } : {}).kind;
  } catch (error) {
    if (error instanceof PolicyError) return `refused: ${error.message}`;
    throw error;
  }
}

/** A clock that never moves: only the budget's step and size limits can stop a run. */
const frozen = () => 0;
const longest = `${'a'.repeat(2999)}!`;
const OVER_BUDGET = /over the (\d+ ms )?budget$/;

describe('matches() runs on RE2: no pattern backtracks', () => {
  it("answers the review's pattern over a 3000-character action, true and false alike", () => {
    const policy = policyOf('action.matches("^([A-Za-z0-9]+ ?)*$")');
    expect(outcomeOf(policy, input(longest), frozen)).toBe('no_match');
    expect(outcomeOf(policy, input('a'.repeat(3000)), frozen)).toBe('decide');
    expect(outcomeOf(policy, input(`${'ab '.repeat(999)}ab`), frozen)).toBe('decide');
  });

  it.each([
    ['nested quantifier', '^(a+)+$'],
    ['overlapping alternation', '^(a|aa)+$'],
    ['nested star', '^(a*)*$'],
    ['a chain of .*', '^(.*a){12}$'],
    ['word runs', '^(\\w+\\s?)*$'],
  ])('answers a %s pattern over a long hostile text, in both forms', (_label, pattern) => {
    const policy = policyOf(
      `action.matches(${JSON.stringify(pattern)})`,
      `matches(action, ${JSON.stringify(pattern)})`,
    );
    expect(outcomeOf(policy, input(longest), frozen)).toBe('no_match');
    expect(outcomeOf(policy, input('a'.repeat(3000)), frozen)).toBe('decide');
  });

  it('answers many matches() of the largest allowed pattern in one condition within the budget', () => {
    const largest = JSON.stringify('(\\p{L}|\\p{N}|\\s){99}$');
    const policy = policyOf(Array.from({ length: 20 }, () => `action.matches(${largest})`).join(' || '));
    expect(outcomeOf(policy, input(longest), frozen)).toBe('no_match');
  });

  it.each([
    ['a backreference', '^(a+)\\1$', 'RE2 has no backreferences or lookarounds'],
    ['a named backreference', '^(?<x>a+)\\k<x>$', 'RE2 has no backreferences or lookarounds'],
    ['a lookahead', '^(?=(a+)+$)', 'RE2 has no backreferences or lookarounds'],
    ['a negative lookahead', '^(?!b)a', 'RE2 has no backreferences or lookarounds'],
    ['a lookbehind', '(?<=a)b', 'RE2 has no backreferences or lookarounds'],
    ['a program too large to run over a full action', '(\\p{L}|\\p{N}|\\s){300}$', 'compiles to 903 RE2 instructions'],
    ['a repetition past RE2 limits', 'a{1001}', 'invalid repeat count'],
  ])('refuses %s at load, naming the rule and the pattern', (_label, pattern, reason) => {
    const errors = loadErrors(`action.matches(${JSON.stringify(pattern)})`);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`rules[1].when.if: matches() pattern ${JSON.stringify(pattern)} (rule deploys) `);
    expect(errors[0]).toContain(reason);
  });

  it('refuses the function form and a pattern inside a comprehension alike', () => {
    expect(loadErrors('matches(action, "(a)\\\\1")')[0]).toMatch(/^rules\[1\]\.when\.if: matches\(\) pattern/);
    expect(loadErrors('details.exists(k, details[k].matches("(?=x)"))')[0]).toContain('(rule deploys)');
  });

  it('refuses, before it runs, a match whose text is too long for its pattern', () => {
    const policy = policyOf('details.map(k, details[k]).join(" ").matches("^([a-z]+ ?)*$")');
    const details = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'a'.repeat(2000)]));
    expect(outcomeOf(policy, input('x', details), frozen)).toMatch(
      /^refused: rules\[0\] \(r0\)\.if: matches\(\) over 100049 characters with this pattern is over the budget$/,
    );
  });

  it('keeps the names a condition uses in its errors', () => {
    expect(loadErrors('action.join() == ""')[0]).toBe(
      "rules[1].when.if: does not compile: found no matching overload for 'string.join()'",
    );
    expect(loadErrors('looppause_evaluator()')[0]).toBe(
      'rules[1].when.if: does not compile: unknown function looppause_evaluator',
    );
  });
});

describe('the budget stops a run while it runs', () => {
  const nineMillion = 'action.split("").all(x, action.split("").all(y, action.indexOf("!") < 0 && x != "!"))';

  it('stops 9 million iterations by steps, with a clock that never moves', () => {
    expect(outcomeOf(policyOf(nineMillion), input('a'.repeat(3000)), frozen)).toBe(
      'refused: rules[0] (r0).if: ran more than 1000000 evaluation steps, over the budget',
    );
  });

  it('stops them by the clock, read during the run', () => {
    let reads = 0;
    // The first read starts the budget; every later one is past it. Only reads made during the run can see that.
    const clock = () => (reads++ === 0 ? 0 : 51);
    // 9 million splits of the action: read only before and after, the run went on for 15 s before its refusal.
    const splits = 'action.split("").all(x, action.split("").all(y, action.split("").size() > 0))';
    expect(outcomeOf(policyOf(splits), input('a'.repeat(3000)), clock)).toBe(
      'refused: rules[0] (r0).if: took 51 ms, over the 50 ms budget',
    );
    // The read that starts the budget, and the first read during the run, which ends it.
    expect(reads).toBe(2);
  });

  it('is not absorbed by || true, && false or exists', () => {
    for (const wrapped of [
      `(${nineMillion}) || true`,
      `false || (${nineMillion}) || true`,
      `(${nineMillion}) && false`,
    ]) {
      expect(outcomeOf(policyOf(wrapped), input('a'.repeat(3000)), frozen)).toMatch(OVER_BUDGET);
    }
    const absorbing = 'action.split("").exists(c, action.split("").exists(d, int(d) == 1))';
    expect(outcomeOf(policyOf(absorbing), input('a'.repeat(3000)), frozen)).toMatch(OVER_BUDGET);
  });

  it('is the request’s: many cheap conditions together run out of it, naming the span', () => {
    const rule = 'action.split("").all(x, x != "!") && false';
    const outcome = outcomeOf(policyOf(...Array.from({ length: 100 }, () => rule)), input('a'.repeat(3000)), frozen);
    expect(outcome).toMatch(
      /^refused: rules\[(\d+)\] \(r\1\)\.if: the conditions of rules\[0\] to rules\[\1\] ran more than 1000000 evaluation steps, over the budget$/,
    );
  });

  it('refuses a value too large before later steps work on it', () => {
    for (const condition of [
      'action.split("").join(action).size() > 0',
      'cel.bind(x, action.split("").map(c, action).join(), x.size() > 0)',
      'action.split("").map(c, action).size() > 0',
      'cel.bind(x, action + action + action + action + action + action + action + action, x + x + x + x + x + x + x + x + x + x + x + x == "")',
    ]) {
      expect(outcomeOf(policyOf(condition), input('a'.repeat(3000)), frozen)).toBe(
        'refused: rules[0] (r0).if: made a value of more than 262144 characters or elements, over the budget',
      );
    }
  });

  it('keeps the worst allowed comprehension over full-size details within the budget', () => {
    const details = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v'.repeat(2000)]));
    const policy = policyOf('details.all(a, details.all(b, details[a] + details[b] != "x"))');
    expect(outcomeOf(policy, input('x', details), frozen)).toBe('decide');
  });
});

describe('the functions cel-js runs in more than linear time', () => {
  it('lastIndexOf finds what String.prototype.lastIndexOf finds, linearly', () => {
    const policy = policyOf(
      'action.lastIndexOf("ab") == 4 && action.lastIndexOf("ab", 3) == 0 && action.lastIndexOf("") == 6 && action.lastIndexOf("", 2) == 2 && action.lastIndexOf("x") == -1',
    );
    expect(outcomeOf(policy, input('abcdab'), frozen)).toBe('decide');
    expect(outcomeOf(policyOf('action.lastIndexOf("a", 9) == 0'), input('abc'), frozen)).toBe(
      'refused: rules[0] (r0).if: string.lastIndexOf(search, fromIndex): fromIndex out of range',
    );
    // V8's lastIndexOf compares at every position: 98,000 × 2000 characters, 50 times, took seconds.
    const details = Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`k${i}`, 'a'.repeat(2000)]));
    const needle = { ...details, n: `${'a'.repeat(1999)}b` };
    const search = policyOf(
      'cel.bind(h, details.map(k, details[k]).join(""), details.all(k, h.lastIndexOf(details.n + "b") < 0))',
    );
    expect(outcomeOf(search, input('x', needle), frozen)).toBe('decide');
  });

  it('duration() refuses a string longer than any duration before cel-js parses it, and parses the rest', () => {
    const policy = policyOf('duration(details.d) > duration("1h")');
    expect(outcomeOf(policy, input('x', { d: '90m' }), frozen)).toBe('decide');
    expect(outcomeOf(policy, input('x', { d: '1'.repeat(2000) }), frozen)).toBe(
      'refused: rules[0] (r0).if: Invalid duration string: longer than 32 characters',
    );
    expect(outcomeOf(policy, input('x', { d: '1h?' }), frozen)).toMatch(
      /^refused: rules\[0\] \(r0\)\.if: Invalid duration/,
    );
  });

  it('join() refuses a result over the value limit before building it, and joins the rest', () => {
    expect(outcomeOf(policyOf('["a", "b"].join("-") == "a-b" && ["a", "b"].join() == "ab"'), input('x'), frozen)).toBe(
      'decide',
    );
    expect(outcomeOf(policyOf('[dyn(action), dyn(1)].join() == ""'), input('x'), frozen)).toMatch(
      /^refused: .*list must contain only strings$/,
    );
  });
});
