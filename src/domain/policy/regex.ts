import { RE2JS } from 're2js';

/**
 * The regular expressions of CEL's `matches()`, on RE2 (re2js, a pure-JavaScript port): matching takes time linear in
 * the text, whatever the pattern, so no pattern can backtrack catastrophically. RE2 syntax is CEL's own; it has no
 * backreferences and no lookarounds, and a pattern using them is refused when the policy loads.
 *
 * Linear is not free: RE2 may simulate every instruction of the compiled pattern at each character, so one match
 * costs up to (instructions × characters). Both are bounded: a pattern compiles to at most MAX_PATTERN_INSTRUCTIONS
 * (checked at load), and one match may not exceed MAX_MATCH_WORK instruction-characters (checked before it runs),
 * which a pattern of the maximum size meets over the longest action_description.
 */

export const MAX_PATTERN_INSTRUCTIONS = 300;
/** Characters of the longest request field (action_description). */
const LONGEST_FIELD_CHARS = 3000;
export const MAX_MATCH_WORK = MAX_PATTERN_INSTRUCTIONS * LONGEST_FIELD_CHARS;
/** Compiled patterns, by source; policies are few, so the cache is only emptied when it grows past this. */
const CACHE_LIMIT = 2000;

export interface Pattern {
  readonly source: string;
  /** Instructions of the compiled program: the per-character cost of a match, at worst. */
  readonly instructions: number;
  test(text: string): boolean;
}

export type PatternResult = { ok: true; pattern: Pattern } | { ok: false; error: string };

const cache = new Map<string, Pattern>();

/** Compiles (or finds compiled) an RE2 pattern; never throws. */
export function compilePattern(source: string): PatternResult {
  const cached = cache.get(source);
  if (cached !== undefined) return { ok: true, pattern: cached };
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(source);
  } catch (error) {
    return { ok: false, error: syntaxMessage(error) };
  }
  const instructions = programSize(compiled);
  if (instructions > MAX_PATTERN_INSTRUCTIONS) {
    return {
      ok: false,
      error: `compiles to ${instructions} RE2 instructions, more than the ${MAX_PATTERN_INSTRUCTIONS} a match may cost per character (use smaller counted repetitions like {n})`,
    };
  }
  const pattern: Pattern = { source, instructions, test: (text) => compiled.test(text) };
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(source, pattern);
  return { ok: true, pattern };
}

/** The work of one match, in instruction-characters; over MAX_MATCH_WORK it is refused before it runs. */
export function matchWork(pattern: Pattern, text: string): number {
  return pattern.instructions * Math.max(1, text.length);
}

function programSize(compiled: RE2JS): number {
  const prog = (compiled as unknown as { re2Input?: { prog?: { numInst?: () => number } } }).re2Input?.prog;
  const size = typeof prog?.numInst === 'function' ? prog.numInst() : Number.NaN;
  // Without the count the cost of a match is unknown: refuse rather than guess.
  return Number.isInteger(size) && size > 0 ? size : Number.POSITIVE_INFINITY;
}

/** re2js says `error parsing regexp: invalid escape sequence: \`\\1\``; what RE2 leaves out is said first. */
function syntaxMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const reason = text.replace(/^error parsing regexp: /, '');
  if (/escape sequence: `\\[1-9k]|Perl syntax: `\(\?[=!<]|named capture: `\(\?<[=!]/.test(text)) {
    return `is not a valid regular expression: RE2 has no backreferences or lookarounds (${reason})`;
  }
  return `is not a valid regular expression (RE2 syntax): ${reason}`;
}
