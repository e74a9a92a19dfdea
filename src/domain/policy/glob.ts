export type GlobMatcher = (text: string) => boolean;

const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * Whole-string, case-sensitive glob: `*` matches any run of characters, `?` exactly one; everything else is literal.
 * Matched by the classic two-pointer walk rather than a RegExp: a pattern like `*a*a*a*b` backtracks polynomially in
 * V8's regex engine on a long agent-supplied string, while this walk stays O(pattern × text).
 */
export function compileGlob(glob: string): GlobMatcher {
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
