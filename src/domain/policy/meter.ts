/**
 * The budget a request's CEL conditions run under, enforced while they run.
 *
 * cel-js evaluates synchronously and has no evaluation limits of its own, but it evaluates every sub-expression
 * through one method of its evaluator (`run`). `meterEvaluator` wraps that method, so each step of every condition
 * passes through the budget in force:
 * - before a step: a budget already spent stops it at once, and at most CEL_MAX_STEPS steps run per request;
 * - after a step: the value it made may be at most CEL_MAX_VALUE_SIZE large (characters of a string, elements and
 *   characters of a list or map, all the way down), so no single later step works on more than that;
 * - the clock is read every CLOCK_EVERY_STEPS steps and whenever CLOCK_EVERY_UNITS of values were made since the last
 *   read, and a read past CEL_TIME_BUDGET_MS since the request's first condition started spends the budget.
 * The few functions whose cost is not linear in their arguments and result (matches, join, lastIndexOf, duration)
 * are replaced by metered versions (cel.ts) that check their cost before doing the work.
 *
 * A spent budget throws one error from the step that found it and from every later step, and cel-js's error-absorbing
 * operators (`||`, `&&`, all/exists) get it thrown on rather than as a value to absorb: the evaluation unwinds at once,
 * and the caller reports the budget, not whatever cel-js made of the error.
 */

export const CEL_TIME_BUDGET_MS = 50;
export const CEL_MAX_STEPS = 1_000_000;
export const CEL_MAX_VALUE_SIZE = 262_144;
const CLOCK_EVERY_STEPS = 64;
const CLOCK_EVERY_UNITS = 65_536;
/** Lists and maps nested deeper than this are over the budget (only JSON from bytes.json() nests at all deep). */
const MAX_VALUE_NESTING = 64;

export type BudgetFault =
  | { kind: 'time'; elapsedMs: number }
  | { kind: 'steps' }
  | { kind: 'size' }
  | { kind: 'match'; chars: number };

/** Thrown out of an evaluation whose budget is spent; `fault` says which part. */
export class CelBudgetExceeded extends Error {
  constructor(readonly fault: BudgetFault) {
    super(budgetMessage(fault));
    this.name = 'CelBudgetExceeded';
  }
}

export function budgetMessage(fault: BudgetFault): string {
  switch (fault.kind) {
    case 'time':
      return `took ${Math.ceil(fault.elapsedMs)} ms, over the ${CEL_TIME_BUDGET_MS} ms budget`;
    case 'steps':
      return `ran more than ${CEL_MAX_STEPS} evaluation steps, over the budget`;
    case 'size':
      return `made a value of more than ${CEL_MAX_VALUE_SIZE} characters or elements, over the budget`;
    case 'match':
      return `matches() over ${fault.chars} characters with this pattern is over the budget`;
  }
}

export class CelBudget {
  private readonly deadline: number;
  /** @internal The error a spent budget throws; the fields below are the metered run's, kept plain for speed. */
  abort: CelBudgetExceeded | undefined;
  /** @internal */
  steps = 0;
  /** @internal */
  stepsSinceRead = 0;
  /** @internal */
  unitsSinceRead = 0;

  /** `startedAt` is a reading of `now` (ms) taken when the request's first condition starts. */
  constructor(
    private readonly now: () => number,
    private readonly startedAt: number = now(),
  ) {
    this.deadline = startedAt + CEL_TIME_BUDGET_MS;
  }

  get fault(): BudgetFault | undefined {
    return this.abort?.fault;
  }

  /** Runs `evaluate(arg)` with this budget in force; throws CelBudgetExceeded when it is spent, whatever it did. */
  run<A, T>(evaluate: (arg: A) => T, arg: A): T {
    const previous = active;
    active = this;
    let value: T;
    try {
      value = evaluate(arg);
    } catch (error) {
      if (this.abort) throw this.abort;
      throw error;
    } finally {
      active = previous;
    }
    if (this.abort) throw this.abort;
    return value;
  }

  /** Reads the clock; past the deadline the budget is spent. */
  checkClock(): void {
    const read = this.now();
    this.stepsSinceRead = 0;
    this.unitsSinceRead = 0;
    if (read > this.deadline) this.fail({ kind: 'time', elapsedMs: read - this.startedAt });
  }

  /** For a metered function about to do `units` of work: a large piece reads the clock before and after it. */
  charge(units: number): void {
    if (units >= CLOCK_EVERY_UNITS) this.checkClock();
    this.unitsSinceRead += units;
  }

  fail(fault: BudgetFault): never {
    this.abort ??= new CelBudgetExceeded(fault);
    throw this.abort;
  }
}

let active: CelBudget | undefined;

/** The budget in force, for metered functions: a fault with none in force (a condition run bare) still throws. */
export function chargeActive(units: number): void {
  active?.charge(units);
}

export function failActive(fault: BudgetFault): never {
  if (active) active.fail(fault);
  throw new CelBudgetExceeded(fault);
}

interface Evaluator {
  run(ast: unknown, ctx: unknown): unknown;
  tryEval?(ast: unknown, ctx: unknown): unknown;
}

const metered = new WeakSet<object>();

/** Wraps the evaluator's `run`, through which cel-js evaluates every sub-expression; throws if there is none. */
export function meterEvaluator(evaluator: unknown): void {
  if (typeof evaluator !== 'object' || evaluator === null) {
    throw new Error('cel-js evaluator not found: CEL conditions cannot be metered');
  }
  if (metered.has(evaluator)) return;
  const run = (evaluator as Partial<Evaluator>).run;
  if (typeof run !== 'function') throw new Error('cel-js evaluator has no run(): CEL conditions cannot be metered');
  (evaluator as Evaluator).run = function meteredRun(this: unknown, ast: unknown, ctx: unknown): unknown {
    const budget = active;
    if (budget === undefined) return run.call(this, ast, ctx);
    if (budget.abort !== undefined) throw budget.abort;
    if (++budget.steps > CEL_MAX_STEPS) budget.fail({ kind: 'steps' });
    const value = run.call(this, ast, ctx);
    let units: number;
    if (typeof value === 'string') units = value.length;
    else if (typeof value !== 'object' || value === null) units = 1;
    else {
      mapReused = false;
      units = sizeOf(value, 0);
      // A map met again (the request's details, at every `details.x`) is passed along, not made: it costs a unit.
      if (mapReused && units <= CEL_MAX_VALUE_SIZE) units = 1;
    }
    if (units > CEL_MAX_VALUE_SIZE) budget.fail({ kind: 'size' });
    budget.unitsSinceRead += units;
    if (++budget.stepsSinceRead >= CLOCK_EVERY_STEPS || budget.unitsSinceRead >= CLOCK_EVERY_UNITS) {
      budget.checkClock();
    }
    return value;
  };
  // tryEval returns an error as a value, for the operators that absorb errors; a spent budget is not absorbed but
  // thrown on, so a loop of many absorbed steps unwinds at once instead of failing each remaining step in turn.
  const tryEval = (evaluator as Evaluator).tryEval;
  if (typeof tryEval === 'function') {
    (evaluator as Evaluator).tryEval = function meteredTryEval(this: unknown, ast: unknown, ctx: unknown): unknown {
      const value = tryEval.call(this, ast, ctx);
      const spent = active?.abort;
      if (spent !== undefined) throw spent;
      return value;
    };
  }
  metered.add(evaluator);
}

const listSizes = new WeakMap<readonly unknown[], { counted: number; size: number }>();
const mapSizes = new WeakMap<object, number>();
let lastMap: { value: object | undefined; size: number } = { value: undefined, size: 0 };
/** Set by sizeOf when the value it was given is a map it sized before. */
let mapReused = false;

/**
 * A value's size in budget units: a string's length, the sum over a list's elements or a map's keys and values (each
 * at least 1), 1 for anything else. Lists are remembered with the elements counted so far, so a comprehension's
 * accumulator, which grows by one element a step, costs one element a step; maps never change once made.
 */
function sizeOf(value: unknown, depth: number): number {
  if (typeof value === 'string') return value.length;
  if (typeof value !== 'object' || value === null) return 1;
  if (depth > MAX_VALUE_NESTING) return Number.POSITIVE_INFINITY;
  if (Array.isArray(value)) {
    let entry = listSizes.get(value);
    if (entry === undefined || entry.counted > value.length) {
      entry = { counted: 0, size: 1 };
      listSizes.set(value, entry);
    }
    for (; entry.counted < value.length; entry.counted++) {
      entry.size += Math.max(1, sizeOf(value[entry.counted], depth + 1));
      if (entry.size > CEL_MAX_VALUE_SIZE) break;
    }
    return entry.size;
  }
  if (value instanceof Uint8Array) return value.length;
  // The request's details, met at every `details.x`: the last map sized is kept at hand.
  if (value === lastMap.value) {
    mapReused = depth === 0;
    return lastMap.size;
  }
  const known = mapSizes.get(value);
  if (known !== undefined) {
    lastMap = { value, size: known };
    mapReused = depth === 0;
    return known;
  }
  let size = 1;
  if (value instanceof Map || value instanceof Set) {
    for (const [key, item] of value.entries()) {
      size += Math.max(1, sizeOf(key, depth + 1)) + (value instanceof Map ? Math.max(1, sizeOf(item, depth + 1)) : 0);
      if (size > CEL_MAX_VALUE_SIZE) break;
    }
  } else {
    const proto: unknown = Object.getPrototypeOf(value);
    // Timestamps, durations, uints, types: small. Only plain objects are maps (details, map literals, JSON).
    if (proto !== Object.prototype && proto !== null) return 1;
    for (const key in value) {
      size += Math.max(1, key.length) + Math.max(1, sizeOf((value as Record<string, unknown>)[key], depth + 1));
      if (size > CEL_MAX_VALUE_SIZE) break;
    }
  }
  mapSizes.set(value, size);
  lastMap = { value, size };
  return size;
}
