import { MAX_TOOL_INPUT_BYTES, MAX_TOOL_INPUT_DEPTH } from '../tool-calls.js';
import { CEL_INPUT_LIMITS, type CelVariables, celMessage, conditionFault } from './cel.js';
import { type BudgetFault, budgetMessage, CelBudget, CelBudgetExceeded } from './meter.js';
import {
  type Policy,
  PolicyError,
  type PolicyInput,
  type PolicyOutcome,
  type PolicyRule,
  type ToolCallPolicyInput,
  type ToolCallPolicyOutcome,
} from './types.js';

export interface EvaluateOptions {
  /** Clock for the CEL time budget (ms); defaults to performance.now. */
  now?: () => number;
}

const defaultNow = () => performance.now();

/**
 * The first rule whose `when` matches decides; no match is `{ kind: 'no_match' }` (the caller refuses the request).
 * Throws only PolicyError: a CEL error, a non-boolean result or an over-budget input/run is never a match.
 *
 * One walk over the request rules (those without `when.tool`) in order. A rule's cheap matchers (the action glob, then
 * the agent globs) run before its CEL condition, so a condition runs only for a rule whose globs match. The CEL variables are built once per request.
 * The conditions of one request share one budget (meter.ts), started with a clock read before the first of them:
 * CEL_TIME_BUDGET_MS for all of them together, enforced while they run, and a read after a condition that does not
 * return false and before the walk returns, so no outcome is returned from an over-budget walk. The refusal names the
 * rule whose condition was running (or had just run) when the budget was found spent, and the first rule whose
 * condition ran when that is another.
 */
export function evaluatePolicy(policy: Policy, input: PolicyInput, options: EvaluateOptions = {}): PolicyOutcome {
  checkInput(input);
  const { agent, action } = input;
  const rule = firstMatch(
    policy,
    (r) => r.toolMatcher === undefined && (r.actionMatcher === undefined || r.actionMatcher(action)),
    agent,
    () => ({ agent, action, details: input.details }),
    options,
  );
  return rule === undefined ? { kind: 'no_match' } : outcome(rule);
}

/**
 * The tool-call counterpart of evaluatePolicy: only rules with `when.tool` are considered (their tool glob, then the
 * agent globs, then the condition over {agent, tool, input, cwd, session_id}), in file order, first match wins; no
 * match is `tool_calls_default`. Throws only PolicyError, under the same shared CEL budget as evaluatePolicy. The
 * input must be JSON within the engine's own bounds (MAX_TOOL_INPUT_BYTES of canonical JSON, MAX_TOOL_INPUT_DEPTH
 * levels); anything else is a PolicyError, never a match.
 */
export function evaluateToolCallPolicy(
  policy: Policy,
  input: ToolCallPolicyInput,
  options: EvaluateOptions = {},
): ToolCallPolicyOutcome {
  checkToolCallInput(input);
  const { agent, tool } = input;
  const rule = firstMatch(
    policy,
    (r) => r.toolMatcher?.(tool) === true,
    agent,
    () => ({ agent, tool, input: input.input, cwd: input.cwd ?? '', session_id: input.session_id ?? '' }),
    options,
  );
  return rule === undefined ? { kind: 'default', decision: policy.toolCallsDefault } : outcome(rule);
}

/**
 * The walk both evaluations share: `matchesKind` is the rule's kind and its own cheap glob (action or tool), tried
 * before the agent globs and the condition.
 */
function firstMatch(
  policy: Policy,
  matchesKind: (rule: PolicyRule) => boolean,
  agent: string,
  celVariables: () => CelVariables,
  options: EvaluateOptions,
): PolicyRule | undefined {
  const now = options.now ?? defaultNow;
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
    if (!matchesKind(rule)) continue;
    const agents = rule.agentMatchers;
    if (agents !== undefined && !anyMatches(agents, agent)) continue;
    const condition = rule.condition;
    if (condition !== undefined) {
      if (variables === undefined || budget === undefined) {
        variables = celVariables();
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
    return rule;
  }
  if (last !== undefined) checkClock(last);
  return undefined;
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

function outcome(rule: PolicyRule): Exclude<PolicyOutcome, { kind: 'no_match' }> {
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

/**
 * A tool call the policy can judge: strings within their limits, and an input that is JSON (strings, finite numbers,
 * booleans, null, lists, plain objects) nested at most MAX_TOOL_INPUT_DEPTH deep and at most MAX_TOOL_INPUT_BYTES as
 * canonical JSON. The walk stops at the depth limit, so a cyclic object is refused rather than followed.
 */
function checkToolCallInput(call: ToolCallPolicyInput): void {
  const limits = CEL_INPUT_LIMITS;
  const fail = (message: string): never => {
    throw new PolicyError(`policy: ${message}`);
  };
  if (typeof call !== 'object' || call === null) fail('the tool call must be an object');
  if (typeof call.agent !== 'string' || call.agent.length > limits.agentChars) {
    fail(`the agent name must be a string of at most ${limits.agentChars} characters`);
  }
  if (typeof call.tool !== 'string' || call.tool.length > limits.toolChars) {
    fail(`the tool name must be a string of at most ${limits.toolChars} characters`);
  }
  if (call.cwd !== undefined && (typeof call.cwd !== 'string' || call.cwd.length > limits.cwdChars)) {
    fail(`cwd must be a string of at most ${limits.cwdChars} characters`);
  }
  if (
    call.session_id !== undefined &&
    (typeof call.session_id !== 'string' || call.session_id.length > limits.sessionChars)
  ) {
    fail(`session_id must be a string of at most ${limits.sessionChars} characters`);
  }
  const input: unknown = call.input;
  if (!isPlainObject(input)) fail('the tool input must be an object');
  const problem = jsonProblem(input, 0);
  if (problem !== undefined) fail(`the tool input ${problem}`);
  // Key order does not change the length: this is the canonical JSON's size, without sorting.
  if (Buffer.byteLength(JSON.stringify(input)) > MAX_TOOL_INPUT_BYTES) {
    fail(`the tool input must be at most ${MAX_TOOL_INPUT_BYTES} bytes as JSON`);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Why a value is not JSON the conditions can read, or undefined when it is. */
function jsonProblem(value: unknown, depth: number): string | undefined {
  // As canonicalJson counts: the input is level 0, and nothing may sit deeper than MAX_TOOL_INPUT_DEPTH.
  if (depth > MAX_TOOL_INPUT_DEPTH) return `must nest at most ${MAX_TOOL_INPUT_DEPTH} levels deep`;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : 'must hold only finite numbers';
    case 'object': {
      if (value === null) return undefined;
      if (Array.isArray(value)) {
        for (const item of value) {
          const problem = jsonProblem(item, depth + 1);
          if (problem !== undefined) return problem;
        }
        return undefined;
      }
      if (!isPlainObject(value)) return 'must be JSON: objects, lists, strings, numbers, booleans and null';
      for (const key of Object.keys(value)) {
        const item = value[key];
        // JSON.stringify and canonicalJson leave an undefined entry out; so does cel-js's `has`.
        if (item === undefined) continue;
        const problem = jsonProblem(item, depth + 1);
        if (problem !== undefined) return problem;
      }
      return undefined;
    }
    default:
      return 'must be JSON: objects, lists, strings, numbers, booleans and null';
  }
}
