import { CEL_INPUT_LIMITS, type CelVariables, celMessage, conditionFault } from './cel.js';
import { type BudgetFault, budgetMessage, CelBudget, CelBudgetExceeded } from './meter.js';
import { type Policy, PolicyError, type PolicyInput, type PolicyOutcome, type PolicyRule } from './types.js';

export interface EvaluateOptions {
  /** Clock for the CEL time budget (ms); defaults to performance.now. */
  now?: () => number;
}

const defaultNow = () => performance.now();

/**
 * The first rule whose `when` matches decides; no match is `{ kind: 'no_match' }` (the caller refuses the request).
 * Throws only PolicyError: a CEL error, a non-boolean result or an over-budget input/run is never a match.
 *
 * One walk over the rules in order. A rule's cheap matchers (agent globs, then the action glob) run before its CEL
 * condition, so a condition runs only for a rule whose globs match. The CEL variables are built once per request.
 * The conditions of one request share one budget (meter.ts), started with a clock read before the first of them:
 * CEL_TIME_BUDGET_MS for all of them together, enforced while they run, and a read after a condition that does not
 * return false and before the walk returns, so no outcome is returned from an over-budget walk. The refusal names the
 * rule whose condition was running (or had just run) when the budget was found spent, and the first rule whose
 * condition ran when that is another.
 */
export function evaluatePolicy(policy: Policy, input: PolicyInput, options: EvaluateOptions = {}): PolicyOutcome {
  checkInput(input);
  const now = options.now ?? defaultNow;
  const { agent, action } = input;
  let variables: CelVariables | undefined;
  let budget: CelBudget | undefined;
  let first: PolicyRule | undefined;
  let last: PolicyRule | undefined;
  const checkClock = (rule: PolicyRule): void => {
    try {
      budget?.checkClock();
    } catch (error) {
      throw overBudget(error, first ?? rule, rule);
    }
  };
  for (const rule of policy.rules) {
    const agents = rule.agentMatchers;
    if (agents !== undefined && !anyMatches(agents, agent)) continue;
    if (rule.actionMatcher !== undefined && !rule.actionMatcher(action)) continue;
    const condition = rule.condition;
    if (condition !== undefined) {
      if (variables === undefined || budget === undefined) {
        variables = { agent, action, details: input.details };
        budget = new CelBudget(now);
      }
      first ??= rule;
      last = rule;
      let value: unknown;
      try {
        value = condition(variables, budget);
      } catch (error) {
        if (error instanceof CelBudgetExceeded) throw overBudget(error, first, rule);
        throw conditionError(rule, celMessage(error));
      }
      if (value === false) continue;
      checkClock(rule);
      const fault = conditionFault(value);
      if (fault !== null) throw conditionError(rule, fault);
    } else if (last !== undefined) {
      checkClock(last);
    }
    return outcome(rule);
  }
  if (last !== undefined) checkClock(last);
  return { kind: 'no_match' };
}

function overBudget(error: unknown, first: PolicyRule, rule: PolicyRule): PolicyError {
  if (!(error instanceof CelBudgetExceeded)) throw error;
  return conditionError(rule, budgetText(error.fault, first, rule));
}

/** Time and steps spent over several conditions name them all: that budget is theirs together. */
function budgetText(fault: BudgetFault, first: PolicyRule, rule: PolicyRule): string {
  const text = budgetMessage(fault);
  const shared = fault.kind === 'time' || fault.kind === 'steps';
  return !shared || first === rule ? text : `the conditions of rules[${first.index}] to rules[${rule.index}] ${text}`;
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
