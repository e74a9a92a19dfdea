import { Environment } from '@marcbachmann/cel-js';

/**
 * CEL conditions (`when.if`) over {agent, action, details}, and the budget they run under.
 *
 * cel-js evaluates synchronously and cannot be interrupted, so the budget is enforced in three layers:
 * - at load, the expression's shape: ≤ CEL_MAX_SOURCE_CHARS characters, cel-js parse limits (CEL_LIMITS), at most
 *   CEL_MAX_MACRO_NESTING nested comprehensions/binds (a bind nested in a bind can double a value each level), and
 *   `matches` only with a literal pattern that compiles (an agent-supplied pattern would let the agent choose a
 *   catastrophically backtracking regex);
 * - at evaluation, the input's size (CEL_INPUT_LIMITS, the request validation's own limits);
 * - after evaluation, the clock: a run longer than CEL_TIME_BUDGET_MS is refused as an error rather than trusted,
 *   so a rule that is too expensive fails visibly instead of silently slowing every request.
 * Together these keep the worst case polynomial in the (bounded) input and refuse what runs long.
 */

const CEL_VARIABLES = ['agent', 'action', 'details'] as const;
const CEL_MAX_SOURCE_CHARS = 2000;
const CEL_MAX_MACRO_NESTING = 2;
export const CEL_TIME_BUDGET_MS = 50;
const CEL_LIMITS = {
  maxAstNodes: 256,
  maxDepth: 32,
  maxListElements: 64,
  maxMapEntries: 64,
  maxCallArguments: 8,
} as const;
export const CEL_INPUT_LIMITS = {
  agentChars: 200,
  actionChars: 3000,
  detailEntries: 50,
  detailKeyChars: 150,
  detailValueChars: 2000,
} as const;

const MACROS = new Set(['all', 'exists', 'exists_one', 'map', 'filter', 'bind']);

const environment = new Environment({ limits: CEL_LIMITS })
  .registerVariable('agent', 'string')
  .registerVariable('action', 'string')
  .registerVariable('details', 'map<string, string>');

export interface CelVariables {
  agent: string;
  action: string;
  details: Record<string, string>;
}

export type CelCondition = (variables: CelVariables) => unknown;

export type CompileResult = { ok: true; condition: CelCondition } | { ok: false; error: string };

export function compileCondition(source: string): CompileResult {
  if (source.length > CEL_MAX_SOURCE_CHARS) {
    return { ok: false, error: `must be at most ${CEL_MAX_SOURCE_CHARS} characters` };
  }
  let compiled: ReturnType<typeof environment.parse>;
  try {
    compiled = environment.parse(source);
  } catch (error) {
    return { ok: false, error: `does not compile: ${celMessage(error)}` };
  }
  try {
    const shapeError = checkShape(compiled.ast);
    if (shapeError) return { ok: false, error: shapeError };
    const checked = compiled.check();
    if (!checked.valid) {
      const message = celMessage(checked.error);
      const unknown = /^Unknown variable: (\S+)/.exec(message);
      return {
        ok: false,
        error: unknown
          ? `unknown variable ${unknown[1]} (only ${CEL_VARIABLES.join(', ')} are declared)`
          : `does not compile: ${message}`,
      };
    }
    const type = String(checked.type);
    if (type !== 'bool' && type !== 'dyn') return { ok: false, error: `must be a boolean expression, not ${type}` };
  } catch (error) {
    return { ok: false, error: `does not compile: ${celMessage(error)}` };
  }
  // The parsed program itself: cel-js evaluates a checked AST without re-checking it.
  return { ok: true, condition: compiled as CelCondition };
}

/** Why a run cannot judge the request, for the refusal; null when it ran within `elapsedMs` and gave a boolean. */
export function conditionFault(value: unknown, elapsedMs: number): string | null {
  if (elapsedMs > CEL_TIME_BUDGET_MS) {
    return `took ${Math.round(elapsedMs)} ms, over the ${CEL_TIME_BUDGET_MS} ms budget`;
  }
  if (typeof value !== 'boolean') return `returned ${describe(value)}, not a boolean`;
  return null;
}

/** First line of a cel-js error: its `summary` when present (the message adds a multi-line source highlight). */
export function celMessage(error: unknown): string {
  if (error instanceof Error) {
    const summary = (error as { summary?: unknown }).summary;
    const text = typeof summary === 'string' ? summary : error.message;
    return text.split('\n')[0] ?? text;
  }
  return String(error);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'bigint') return `the int ${value}`;
  if (typeof value === 'string') return 'a string';
  if (Array.isArray(value)) return 'a list';
  return `a ${typeof value === 'object' ? 'map' : typeof value}`;
}

interface AstNode {
  op: string;
  args: unknown;
}

const isNode = (value: unknown): value is AstNode =>
  typeof value === 'object' && value !== null && typeof (value as { op?: unknown }).op === 'string';

function checkShape(ast: unknown): string | undefined {
  let error: string | undefined;
  const visit = (value: unknown, nesting: number): void => {
    if (error) return;
    if (Array.isArray(value)) {
      for (const item of value) visit(item, nesting);
      return;
    }
    if (!isNode(value)) return;
    const { name, pattern } = callParts(value);
    const depth = name !== undefined && value.op === 'rcall' && MACROS.has(name) ? nesting + 1 : nesting;
    if (depth > CEL_MAX_MACRO_NESTING) {
      error = `nests comprehensions (all/exists/exists_one/map/filter/cel.bind) more than ${CEL_MAX_MACRO_NESTING} deep`;
      return;
    }
    if (name === 'matches') {
      const literal =
        isNode(pattern) && pattern.op === 'value' && typeof pattern.args === 'string' ? pattern.args : null;
      if (literal === null) {
        error = 'matches() needs a literal pattern';
        return;
      }
      try {
        new RegExp(literal);
      } catch {
        error = `matches() pattern ${JSON.stringify(literal)} is not a valid regular expression`;
        return;
      }
    }
    visit(value.args, depth);
  };
  visit(ast, 0);
  return error;
}

/** `call` nodes are [name, [args]], `rcall` nodes [name, receiver, [args]]; for `matches` the pattern is the last. */
function callParts(node: AstNode): { name?: string; pattern?: unknown } {
  if ((node.op !== 'call' && node.op !== 'rcall') || !Array.isArray(node.args)) return {};
  const [name] = node.args;
  if (typeof name !== 'string') return {};
  const callArgs: unknown = node.args[node.args.length - 1];
  const pattern = Array.isArray(callArgs) ? callArgs[callArgs.length - 1] : undefined;
  return { name, pattern };
}
