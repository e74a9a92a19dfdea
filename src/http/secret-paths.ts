/** The e-mail decision page: `/decide/<token>`, the token a bearer secret. */
export const DECISION_LINK_PATH = '/decide';
/** The dashboard's one-time sign-in link: `/dashboard/signin/<token>`, the token a bearer secret. */
export const SIGN_IN_LINK_PATH = '/dashboard/signin';

/**
 * Every route that carries a secret in its path, as mounted: whatever follows one of these is the
 * secret. The routers mount and link with these names; the log redacts them (redactSecretPaths).
 */
export const SECRET_PATHS: readonly string[] = [DECISION_LINK_PATH, SIGN_IN_LINK_PATH];
// Letters and slashes only: spelled() puts them in a pattern unescaped.

/** One or more slashes, or `%2F` (a path is logged as sent, undecoded). */
const SEPARATOR = '(?:/|%2f)+';
/** Up to the end of the path or URL: whitespace, a quote, `<>|` (Slack's `<url|label>`). A JSON escape counts as one character. */
const REST = String.raw`(?:\\.|[^\s"'<>|\\])+`;

/** A letter as sent: itself or `%XX`, in either case (the whole pattern ignores case, as routing does). */
function spelled(segment: string): string {
  const escaped = (letter: string) => `%${letter.charCodeAt(0).toString(16)}`;
  return [...segment]
    .map((letter) => `(?:${letter}|${escaped(letter.toLowerCase())}|${escaped(letter.toUpperCase())})`)
    .join('');
}

const RULES = SECRET_PATHS.map((path) => ({
  pattern: new RegExp(
    `${SEPARATOR}${path.split('/').filter(Boolean).map(spelled).join(SEPARATOR)}${SEPARATOR}${REST}`,
    'gi',
  ),
  replacement: `${path}/:token`,
}));

/**
 * Text with everything after a secret-bearing route replaced by `:token`: `/dashboard/signin/abc…`
 * becomes `/dashboard/signin/:token`, in a bare path, a full URL or a serialized log line alike,
 * whatever its case, doubled slashes or percent-escapes. The one rule every log line goes through.
 */
export function redactSecretPaths(text: string): string {
  let out = text;
  for (const rule of RULES) out = out.replace(rule.pattern, rule.replacement);
  return out;
}
