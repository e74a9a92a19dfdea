import { CEL_INPUT_LIMITS, type CelVariables, celMessage, conditionFault } from './cel.js';
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
 * The clock is read once before the first condition and once after each: every run is charged with the time since the
 * previous read (the run itself plus the glob checks of the rules skipped since), so the budget is never looser than
 * timing each run alone, at half the clock reads.
 */
export function evaluatePolicy(policy: Policy, input: PolicyInput, options: EvaluateOptions = {}): PolicyOutcome {
  checkInput(input);
  const now = options.now ?? defaultNow;
  const { agent, action } = input;
  let variables: CelVariables | undefined;
  let lastRead = 0;
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
      let value: unknown;
      try {
        value = condition(variables);
      } catch (error) {
        throw conditionError(rule, celMessage(error));
      }
      const read = now();
      const fault = conditionFault(value, read - lastRead);
      if (fault !== null) throw conditionError(rule, fault);
      lastRead = read;
      if (value === false) continue;
    }
    return outcome(rule);
  }
  return { kind: 'no_match' };
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
