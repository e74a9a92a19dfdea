import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { compileGlob } from '../../../src/domain/policy/glob.js';
import {
  evaluatePolicy,
  type Policy,
  PolicyError,
  type PolicyInput,
  type PolicyOutcome,
  parsePolicy,
} from '../../../src/domain/policy/index.js';

/**
 * The evaluator's shortcuts (direct glob matchers for `*`-only and literal globs, CEL variables built once, one CEL
 * budget shared by the request's conditions) must give exactly what the naive definition gives: the rules in order,
 * each glob matched by the two-pointer walk over code points, each condition run on its own, the first match deciding.
 */

/** The reference glob: the classic two-pointer walk over code points, as the definition reads. */
function naiveGlob(glob: string, text: string): boolean {
  const pattern = Array.from(glob);
  const chars = Array.from(text);
  let p = 0;
  let t = 0;
  let starP = -1;
  let starT = 0;
  while (t < chars.length) {
    if (p < pattern.length && (pattern[p] === '?' || (pattern[p] !== '*' && pattern[p] === chars[t]))) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === '*') {
      starP = p++;
      starT = t;
    } else if (starP >= 0) {
      p = starP + 1;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

type Naive = PolicyOutcome | { kind: 'error'; rule: number };

/** The linear walk: every rule in order, its conditions as written, the first that holds decides. */
function naiveEvaluate(policy: Policy, input: PolicyInput): Naive {
  for (const rule of policy.rules) {
    const { agents, action } = rule.when;
    if (agents && !agents.some((glob) => naiveGlob(glob, input.agent))) continue;
    if (action !== undefined && !naiveGlob(action, input.action)) continue;
    if (rule.condition) {
      let value: unknown;
      try {
        value = rule.condition({ agent: input.agent, action: input.action, details: input.details });
      } catch {
        return { kind: 'error', rule: rule.index };
      }
      if (typeof value !== 'boolean') return { kind: 'error', rule: rule.index };
      if (!value) continue;
    }
    if (rule.effect.kind === 'decide') return { kind: 'decide', rule: rule.name, decision: rule.effect.decision };
    const { kind: _kind, ...plan } = rule.effect;
    return { kind: 'route', rule: rule.name, ...plan };
  }
  return { kind: 'no_match' };
}

function evaluated(policy: Policy, input: PolicyInput): Naive {
  try {
    return evaluatePolicy(policy, input);
  } catch (error) {
    if (error instanceof PolicyError && error.rule) return { kind: 'error', rule: error.rule.index };
    throw error;
  }
}

// A small alphabet, so globs and texts meet often; with surrogate pairs and lone surrogates, where code units and
// code points part.
const char = fc.constantFrom('a', 'b', '-', ' ', 'é', '😀', '\uD83D', '\uDE00', '*', '?');
const text = (maxLength: number) => fc.array(char, { maxLength }).map((chars) => chars.join(''));
const glob = fc
  .array(fc.oneof({ weight: 3, arbitrary: char }, fc.constantFrom('*', '?', 'ab', 'Refund ')), { maxLength: 8 })
  .map((parts) => parts.join(''));

describe('compileGlob', () => {
  it('answers exactly as the two-pointer walk over code points', () => {
    fc.assert(
      fc.property(glob, text(12), (pattern, subject) => {
        expect(compileGlob(pattern)(subject)).toBe(naiveGlob(pattern, subject));
      }),
      { numRuns: 5000 },
    );
  });
});

const condition = fc.constantFrom(
  'true',
  'false',
  'has(details.a)',
  'details.a == "a"',
  'action.startsWith("a")',
  'agent.contains("b")',
  'int(details.n) > 1',
  'dyn(details.a)',
  'size(details) > 1',
);

const rule = fc.record(
  {
    agents: fc.array(
      glob.filter((g) => g !== ''),
      { minLength: 1, maxLength: 3 },
    ),
    action: glob.filter((g) => g !== ''),
    if: condition,
  },
  { requiredKeys: [] },
);

const policyText = fc.array(rule, { minLength: 1, maxLength: 12 }).map((whens) =>
  stringify({
    rules: whens.map((when, i) => ({
      name: `r${i}`,
      when,
      ...(i % 2 ? { decide: 'approved' } : { route: { slack: '#x' } }),
    })),
  }),
);

const input = fc.record({
  agent: text(8),
  action: text(12),
  details: fc.dictionary(fc.constantFrom('a', 'n', 'x'), fc.constantFrom('a', 'b', '2', '0', 'x')),
});

describe('evaluatePolicy', () => {
  it('gives the first match of the naive linear walk, the same refusal included', () => {
    fc.assert(
      fc.property(policyText, input, (source, request) => {
        const parsed = parsePolicy(source);
        if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
        expect(evaluated(parsed.policy, request)).toEqual(naiveEvaluate(parsed.policy, request));
      }),
      { numRuns: 1000 },
    );
  });
});
