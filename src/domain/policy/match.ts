import { CEL_INPUT_LIMITS, CEL_TIME_BUDGET_MS, type CelVariables, celMessage, conditionFault } from './cel.js';
import { type Policy, PolicyError, type PolicyInput, type PolicyOutcome, type PolicyRule } from './types.js';

export interface EvaluateOptions {
  /** Clock for the CEL time budget (ms); defaults to performance.now. */
  now?: () => number;
}

const defaultNow = () => performance.now();

/** Conditions run between two clock reads; a read also comes before any outcome is returned. */
const CLOCK_EVERY = 4;

/**
 * The first rule whose `when` matches decides; no match is `{ kind: 'no_match' }` (the caller refuses the request).
 * Throws only PolicyError: a CEL error, a non-boolean result or an over-budget input/run is never a match.
 *
 * One walk over the rules in order. A rule's cheap matchers (agent globs, then the action glob) run before its CEL
 * condition, so a condition runs only for a rule whose globs match. The CEL variables are built once per request.
 * The time budget: the clock is read before the first condition, after every CLOCK_EVERY conditions, after one that
 * does not return false and before the walk returns. The time between two reads (the conditions run in it plus the
 * glob checks between them) must stay within the budget, so it is never looser than timing each run alone: an
 * over-budget run is refused before any outcome is returned, at most CLOCK_EVERY - 1 runs later, at a quarter of the
 * clock reads. The refusal names the rule whose read found the overrun, and the first rule of its span when longer.
 */
export function evaluatePolicy(policy: Policy, input: PolicyInput, options: EvaluateOptions = {}): PolicyOutcome {
  checkInput(input);
  const now = options.now ?? defaultNow;
  const { agent, action } = input;
  let variables: CelVariables | undefined;
  let lastRead = 0;
  let unclocked = 0;
  let spanStart: PolicyRule | undefined;
  const clock = (rule: PolicyRule): void => {
    const read = now();
    const elapsed = read - lastRead;
    const fault = conditionFault(true, elapsed);
    if (fault !== null) {
      const span = spanStart !== undefined && spanStart !== rule ? spanText(spanStart, rule, elapsed) : fault;
      throw conditionError(rule, span);
    }
    lastRead = read;
    unclocked = 0;
    spanStart = undefined;
  };
  let last: PolicyRule | undefined;
  for (const rule of policy.rules) {
    const agents = rule.agentMatchers;
    if (agents !== undefined && !anyMatches(agents, agent)) continue;
    if (rule.actionMatcher !== undefined && !rule.actionMatcher(action)) continue;
    const condition = rule.condition;
    if (condition !== undefined) {
      if (variables === undefined) {
        variables = { agent, action, details: input.details };
        lastRead = now();
      }
      spanStart ??= rule;
      let value: unknown;
      try {
        value = condition(variables);
      } catch (error) {
        throw conditionError(rule, celMessage(error));
      }
      last = rule;
      if (value === false) {
        if (++unclocked === CLOCK_EVERY) clock(rule);
        continue;
      }
      clock(rule);
      const fault = conditionFault(value, 0);
      if (fault !== null) throw conditionError(rule, fault);
    } else if (unclocked > 0 && last !== undefined) {
      clock(last);
    }
    return outcome(rule);
  }
  if (unclocked > 0 && last !== undefined) clock(last);
  return { kind: 'no_match' };
}

function spanText(first: PolicyRule, last: PolicyRule, elapsed: number): string {
  return `the conditions of rules[${first.index}] to rules[${last.index}] took ${Math.round(elapsed)} ms, over the ${CEL_TIME_BUDGET_MS} ms budget`;
}

function anyMatches(matchers: PolicyRule['agentMatchers'] & object, text: string): boolean {
  for (const match of matchers) if (match(text)) return true;
  return false;
}

function outcome(rule: PolicyRule): PolicyOutcome {
  if (rule.effect.kind === 'decide') return { kind: 'decide', rule: rule.name, decision: rule.effect.decision };
  const { kind: _kind, ...plan } = rule.effect;
  return { kind: 'route', rule: rule.name, ...plan };
}

function conditionError(rule: PolicyRule, message: string): PolicyError {
  return new PolicyError(`rules[${rule.index}] (${rule.name}).if: ${message}`, { index: rule.index, name: rule.name });
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
