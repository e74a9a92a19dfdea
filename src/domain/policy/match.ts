import { CEL_INPUT_LIMITS, runCondition } from './cel.js';
import { type Policy, PolicyError, type PolicyInput, type PolicyOutcome, type PolicyRule } from './types.js';

export interface EvaluateOptions {
  /** Clock for the CEL time budget (ms); defaults to performance.now. */
  now?: () => number;
}

/**
 * The first rule whose `when` matches decides; no match is `{ kind: 'no_match' }` (the caller refuses the request).
 * Throws only PolicyError: a CEL error, a non-boolean result or an over-budget input/run is never a match.
 */
export function evaluatePolicy(policy: Policy, input: PolicyInput, options: EvaluateOptions = {}): PolicyOutcome {
  checkInput(input);
  const now = options.now ?? (() => performance.now());
  for (const rule of policy.rules) {
    if (!matches(rule, input, now)) continue;
    if (rule.effect.kind === 'decide') return { kind: 'decide', rule: rule.name, decision: rule.effect.decision };
    const { kind: _kind, ...plan } = rule.effect;
    return { kind: 'route', rule: rule.name, ...plan };
  }
  return { kind: 'no_match' };
}

function matches(rule: PolicyRule, input: PolicyInput, now: () => number): boolean {
  if (rule.agentMatchers && !rule.agentMatchers.some((match) => match(input.agent))) return false;
  if (rule.actionMatcher && !rule.actionMatcher(input.action)) return false;
  if (!rule.condition) return true;
  const result = runCondition(
    rule.condition,
    { agent: input.agent, action: input.action, details: input.details },
    now,
  );
  if (!result.ok) {
    throw new PolicyError(`rules[${rule.index}] (${rule.name}).if: ${result.error}`, {
      index: rule.index,
      name: rule.name,
    });
  }
  return result.matched;
}

function checkInput(input: PolicyInput): void {
  const limits = CEL_INPUT_LIMITS;
  const fail = (message: string): never => {
    throw new PolicyError(`policy: ${message}`);
  };
  if (typeof input !== 'object' || input === null) fail('the request must be an object');
  if (typeof input.agent !== 'string' || input.agent.length > limits.agentChars) {
    fail(`the agent name must be a string of at most ${limits.agentChars} characters`);
  }
  if (typeof input.action !== 'string' || input.action.length > limits.actionChars) {
    fail(`action_description must be a string of at most ${limits.actionChars} characters`);
  }
  const details: unknown = input.details;
  if (typeof details !== 'object' || details === null || Array.isArray(details))
    fail('action_details must be an object');
  const entries = Object.entries(details as object);
  if (entries.length > limits.detailEntries) fail(`action_details must have at most ${limits.detailEntries} entries`);
  for (const [key, value] of entries) {
    if (key.length > limits.detailKeyChars || typeof value !== 'string' || value.length > limits.detailValueChars) {
      fail(
        `action_details entries must be string keys of at most ${limits.detailKeyChars} characters and string values of at most ${limits.detailValueChars}`,
      );
    }
  }
}
