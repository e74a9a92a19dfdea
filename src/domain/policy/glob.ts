export type GlobMatcher = (text: string) => boolean;

const SURROGATE = /[\uD800-\uDFFF]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Whole-string, case-sensitive glob: `*` matches any run of characters, `?` exactly one; everything else is literal.
 * Never a RegExp: a pattern like `*a*a*a*b` backtracks polynomially in V8's regex engine on a long agent-supplied
 * string. The common shapes get a direct matcher:
 * - no wildcard: string equality;
 * - `*` only (no `?`, no lone surrogate): the literal runs between the stars, the first as a prefix, the last as a
 *   suffix and the middle ones leftmost-first (`indexOf`), which is exact for `*`-only globs and O(pattern × text);
 *   a well-formed literal run can only match at code-point boundaries, so code units give the code-point answer;
 * - anything else (`?`, a lone surrogate): the classic two-pointer walk over code points, also O(pattern × text).
 */
export function compileGlob(glob: string): GlobMatcher {
  if (glob.includes('?') || LONE_SURROGATE.test(glob)) return walkMatcher(glob);
  const runs = glob.split('*');
  if (runs.length === 1) return (text) => text === glob;
  const first = runs[0] as string;
  const last = runs[runs.length - 1] as string;
  const middle = runs.slice(1, -1).filter((run) => run !== '');
  const fixed = first.length + last.length;
  if (middle.length === 0) {
    if (last === '') return first === '' ? () => true : (text) => text.startsWith(first);
    if (first === '') return (text) => text.endsWith(last);
    return (text) => text.length >= fixed && text.startsWith(first) && text.endsWith(last);
  }
  return (text) => {
    if (text.length < fixed || !text.startsWith(first) || !text.endsWith(last)) return false;
    const end = text.length - last.length;
    let at = first.length;
    for (const run of middle) {
      const found = text.indexOf(run, at);
      if (found < 0 || found + run.length > end) return false;
      at = found + run.length;
    }
    return true;
  };
}

/** The two-pointer walk over code points (`?` is one code point), for globs the direct matchers do not cover. */
function walkMatcher(glob: string): GlobMatcher {
  const pattern = Array.from(glob);
  return (text) => {
    // Code points, so `?` is one character; a string without surrogates is indexed as it is, unallocated.
    const chars: ArrayLike<string> = SURROGATE.test(text) ? Array.from(text) : text;
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
  };
}
