import { Environment, EvaluationError } from '@marcbachmann/cel-js';
import { CEL_MAX_VALUE_SIZE, CelBudget, chargeActive, failActive, meterEvaluator } from './meter.js';
import { compilePattern, MAX_MATCH_WORK, matchWork } from './regex.js';

export { CEL_TIME_BUDGET_MS } from './meter.js';

/**
 * CEL conditions (`when.if`) over {agent, action, details} (request rules) or {agent, tool, input, cwd, session_id}
 * (tool-call rules), and the budget they run under.
 *
 * The budget is enforced while a condition runs, not after (meter.ts): every step of the evaluation passes through
 * it, so a run that takes too long, too many steps or makes too large a value is stopped where it is. Around that:
 * - at load, the expression's shape: ≤ CEL_MAX_SOURCE_CHARS characters, cel-js parse limits (CEL_LIMITS), at most
 *   CEL_MAX_MACRO_NESTING nested comprehensions/binds, and `matches` only with a literal pattern (an agent-supplied
 *   pattern would let the agent choose it) that RE2 compiles within the pattern limits (regex.ts);
 * - at evaluation, the input's size (CEL_INPUT_LIMITS, the request validation's own limits; for a tool call, its
 *   input's canonical JSON size and depth, the tool-call engine's own limits);
 * - the cel-js functions whose cost is not linear in their arguments are replaced, under their own names, by metered
 *   ones: `matches` runs on RE2 (linear-time: no catastrophic backtracking) and is refused before it runs when
 *   the pattern's size times the text's length is over MAX_MATCH_WORK; `join` refuses a result over the value limit
 *   before building it; `lastIndexOf` searches linearly (V8's is quadratic); `duration` refuses a string longer than
 *   any duration before cel-js's parser (cubic in a run of digits) sees it. The method form `s.matches(re)` and the
 *   function form `matches(s, re)` are the same function.
 */

const CEL_MAX_SOURCE_CHARS = 2000;
const CEL_MAX_MACRO_NESTING = 2;
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
  toolChars: 200,
  cwdChars: 4096,
  sessionChars: 200,
} as const;
/** Longer than any duration cel-js accepts ("-2562047h47m16.854775807s" is 25). */
const MAX_DURATION_CHARS = 32;

const MACROS = new Set(['all', 'exists', 'exists_one', 'map', 'filter', 'bind']);

/** The metered stand-ins, by the name a condition uses: methods (`s.matches(re)`) and functions (`matches(s, re)`). */
const INTERNAL_PREFIX = 'looppause_';
const METERED_METHODS: ReadonlyMap<string, string> = new Map([
  ['matches', 'looppause_matches'],
  ['lastIndexOf', 'looppause_lastIndexOf'],
  ['join', 'looppause_join'],
]);
const METERED_FUNCTIONS: ReadonlyMap<string, string> = new Map([
  ['matches', 'looppause_matches'],
  ['duration', 'looppause_duration'],
]);
const PUBLIC_NAMES = new Map([...METERED_METHODS, ...METERED_FUNCTIONS].map(([name, internal]) => [internal, name]));

/** cel-js's own `duration(string)`, for strings short enough that its parser is cheap. */
const plainDuration = new Environment().registerVariable('text', 'string').parse('duration(text)');
plainDuration.check();

/** Which variables a condition sees: a request rule's, or a tool-call rule's (`when.tool`). */
export type ConditionKind = 'request' | 'tool';

const DECLARED: Record<ConditionKind, readonly (readonly [name: string, type: string])[]> = {
  request: [
    ['agent', 'string'],
    ['action', 'string'],
    ['details', 'map<string, string>'],
  ],
  // The tool input is JSON: a map whose values are strings, doubles, bools, null, lists and maps.
  tool: [
    ['agent', 'string'],
    ['tool', 'string'],
    ['input', 'map<string, dyn>'],
    ['cwd', 'string'],
    ['session_id', 'string'],
  ],
};
const NAMES: Record<ConditionKind, readonly string[]> = {
  request: DECLARED.request.map(([name]) => name),
  tool: DECLARED.tool.map(([name]) => name),
};

/**
 * One environment per kind of rule, each with the metered functions and its own evaluator metered: a condition that
 * names a variable of the other kind does not type-check, so it is refused at load.
 */
function createEnvironment(kind: ConditionKind): Environment {
  let evaluator: unknown;
  const environment = new Environment({ limits: CEL_LIMITS });
  for (const [name, type] of DECLARED[kind]) environment.registerVariable(name, type);
  environment
    .registerFunction('string.looppause_matches(string): bool', (text: string, source: string) => matches(text, source))
    .registerFunction('looppause_matches(string, string): bool', (text: string, source: string) =>
      matches(text, source),
    )
    .registerFunction('string.looppause_lastIndexOf(string): int', (text: string, search: string) =>
      BigInt(lastIndexOf(text, search, text.length)),
    )
    .registerFunction(
      'string.looppause_lastIndexOf(string, int): int',
      (text: string, search: string, from: bigint) => {
        if (search === '') return from;
        const at = Number(from);
        if (at < 0 || at >= text.length) {
          throw new EvaluationError('string.lastIndexOf(search, fromIndex): fromIndex out of range');
        }
        return BigInt(lastIndexOf(text, search, at));
      },
    )
    .registerFunction('list<string>.looppause_join(): string', (list: readonly unknown[]) =>
      join(list, '', 'string.join()'),
    )
    .registerFunction('list<string>.looppause_join(string): string', (list: readonly unknown[], separator: string) =>
      join(list, separator, 'string.join(separator)'),
    )
    .registerFunction('looppause_duration(string): google.protobuf.Duration', (text: string) => {
      if (text.length > MAX_DURATION_CHARS) {
        throw new EvaluationError(`Invalid duration string: longer than ${MAX_DURATION_CHARS} characters`);
      }
      return plainDuration({ text });
    })
    // cel-js calls a function with its evaluator as `this`: how the meter finds the evaluator to wrap.
    .registerFunction('looppause_evaluator(): bool', function (this: unknown) {
      evaluator = this;
      return true;
    });
  environment.evaluate('looppause_evaluator()');
  meterEvaluator(evaluator);
  return environment;
}

const environments: Record<ConditionKind, Environment> = {
  request: createEnvironment('request'),
  tool: createEnvironment('tool'),
};

function matches(text: string, source: string): boolean {
  const compiled = compilePattern(source);
  if (!compiled.ok) throw new EvaluationError(`matches() pattern ${compiled.error}`);
  const work = matchWork(compiled.pattern, text);
  if (work > MAX_MATCH_WORK) failActive({ kind: 'match', chars: text.length });
  chargeActive(work);
  return compiled.pattern.test(text);
}

/**
 * `text.lastIndexOf(search, from)` in linear time: V8's compares at every position, O(text × search). The last match
 * starting at or before `from` is the first match of the reversed search in the reversed text before that point.
 * Code units reversed in both keep every code-unit match, so the answer is V8's.
 */
function lastIndexOf(text: string, search: string, from: number): number {
  chargeActive(text.length + search.length);
  const start = Math.min(from, text.length - search.length);
  if (start < 0) return -1;
  // A match at i in `text` is one at (length - i - search.length) in the reversed text: the last at or before
  // `start` is the first there from (length - start - search.length).
  const found = reversedText(text).indexOf(reverse(search), text.length - start - search.length);
  return found < 0 ? -1 : text.length - search.length - found;
}

/** The last text reversed: a condition that searches one text from the end many times reverses it once. */
let lastReversed = { text: '', reversed: '' };

function reversedText(text: string): string {
  if (lastReversed.text !== text) lastReversed = { text, reversed: reverse(text) };
  return lastReversed.reversed;
}

function reverse(text: string): string {
  return text.length < 2 ? text : text.split('').reverse().join('');
}

/** `list.join(separator)`, refused before it is built when the result would be over the value limit. */
function join(list: readonly unknown[], separator: string, name: string): string {
  let length = separator.length * Math.max(0, list.length - 1);
  for (const item of list) {
    if (typeof item !== 'string') throw new EvaluationError(`${name}: list must contain only strings`);
    length += item.length;
  }
  if (length > CEL_MAX_VALUE_SIZE) failActive({ kind: 'size' });
  chargeActive(length);
  return list.join(separator);
}

/** What a request rule's condition sees. */
export interface RequestCelVariables {
  agent: string;
  action: string;
  details: Record<string, string>;
}

/** What a tool-call rule's condition sees; `cwd` and `session_id` are '' when the call has none. */
export interface ToolCelVariables {
  agent: string;
  tool: string;
  input: Record<string, unknown>;
  cwd: string;
  session_id: string;
}

export type CelVariables = RequestCelVariables | ToolCelVariables;

/**
 * A compiled condition. It runs under `budget` (the request's, shared by its conditions), or under a budget of its
 * own when none is given; a spent budget throws CelBudgetExceeded.
 */
export type CelCondition = (variables: CelVariables, budget?: CelBudget) => unknown;

export type CompileResult = { ok: true; condition: CelCondition } | { ok: false; error: string };

const defaultNow = () => performance.now();

/** `rule` names the rule in a refused pattern's error; `kind` says which variables the condition sees. */
export function compileCondition(source: string, rule?: string, kind: ConditionKind = 'request'): CompileResult {
  if (source.length > CEL_MAX_SOURCE_CHARS) {
    return { ok: false, error: `must be at most ${CEL_MAX_SOURCE_CHARS} characters` };
  }
  let compiled: ReturnType<Environment['parse']>;
  try {
    compiled = environments[kind].parse(source);
  } catch (error) {
    return { ok: false, error: `does not compile: ${celMessage(error)}` };
  }
  try {
    const shapeError = checkShape(compiled.ast, rule);
    if (shapeError) return { ok: false, error: shapeError };
    const checked = compiled.check();
    if (!checked.valid) {
      const message = celMessage(checked.error);
      const unknown = /^Unknown variable: (\S+)/.exec(message);
      return {
        ok: false,
        error: unknown ? unknownVariable(unknown[1] as string, kind) : `does not compile: ${message}`,
      };
    }
    const type = String(checked.type);
    if (type !== 'bool' && type !== 'dyn') return { ok: false, error: `must be a boolean expression, not ${type}` };
  } catch (error) {
    return { ok: false, error: `does not compile: ${celMessage(error)}` };
  }
  // The parsed program itself: cel-js evaluates a checked AST without re-checking it.
  const program = compiled as (variables: CelVariables) => unknown;
  const condition: CelCondition = (variables, budget = new CelBudget(defaultNow)) => budget.run(program, variables);
  return { ok: true, condition };
}

/** A variable the rule's kind does not declare; a variable of the other kind says where it belongs. */
function unknownVariable(name: string, kind: ConditionKind): string {
  const other: ConditionKind = kind === 'tool' ? 'request' : 'tool';
  if (NAMES[other].includes(name)) {
    return kind === 'tool'
      ? `unknown variable ${name}: a tool-call rule (when.tool) sees ${NAMES.tool.join(', ')}; action and details are request_approval's`
      : `unknown variable ${name}: tool, input, cwd and session_id are for tool-call rules (when.tool); this rule sees ${NAMES.request.join(', ')}`;
  }
  return kind === 'tool'
    ? `unknown variable ${name} (only ${NAMES.tool.join(', ')} are declared in a tool-call rule)`
    : `unknown variable ${name} (only ${NAMES.request.join(', ')} are declared)`;
}

/** Why a run's value cannot judge the request, for the refusal; null for a boolean. */
export function conditionFault(value: unknown): string | null {
  if (typeof value !== 'boolean') return `returned ${describe(value)}, not a boolean`;
  return null;
}

/** First line of a cel-js error: its `summary` when present (the message adds a multi-line source highlight). */
export function celMessage(error: unknown): string {
  if (error instanceof Error) {
    const summary = (error as { summary?: unknown }).summary;
    const text = typeof summary === 'string' ? summary : error.message;
    return publicNames(text.split('\n')[0] ?? text);
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

/** cel-js's messages name the metered stand-ins (`string.looppause_join(int)`); the condition's author wrote `join`. */
function publicNames(text: string): string {
  return text.includes(INTERNAL_PREFIX)
    ? text.replace(/\blooppause_[A-Za-z]+\b/g, (internal) => PUBLIC_NAMES.get(internal) ?? internal)
    : text;
}

/**
 * Refuses what the budget cannot bound (nesting, agent-chosen or over-large patterns) and points the calls of the
 * metered functions at their stand-ins: the node's name is rewritten before the type check resolves it.
 */
function checkShape(ast: unknown, rule: string | undefined): string | undefined {
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
    if (name?.startsWith(INTERNAL_PREFIX)) {
      error = `does not compile: unknown function ${name}`;
      return;
    }
    if (name === 'matches') {
      const literal =
        isNode(pattern) && pattern.op === 'value' && typeof pattern.args === 'string' ? pattern.args : null;
      if (literal === null) {
        error = 'matches() needs a literal pattern';
        return;
      }
      const compiled = compilePattern(literal);
      if (!compiled.ok) {
        error = `matches() pattern ${JSON.stringify(literal)}${rule === undefined ? '' : ` (rule ${rule})`} ${compiled.error}`;
        return;
      }
    }
    const internal =
      name === undefined ? undefined : (value.op === 'rcall' ? METERED_METHODS : METERED_FUNCTIONS).get(name);
    if (internal !== undefined) (value.args as unknown[])[0] = internal;
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
