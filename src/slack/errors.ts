/** Which Slack API failures are worth retrying and which are final. */

/** Platform errors that clear up by themselves; every other `ok:false` error is final. */
const TRANSIENT_PLATFORM_ERRORS = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

interface SlackishError {
  code?: unknown;
  data?: { error?: unknown };
  original?: { message?: unknown };
  statusCode?: unknown;
}

/**
 * The Slack error code when the failure is final (`channel_not_found`, `not_in_channel`,
 * `invalid_auth`, `ratelimited` once the WebClient's own retries are spent …); undefined when a
 * later retry may succeed (network trouble, Slack 5xx).
 */
export function finalSlackError(error: unknown): string | undefined {
  const e = (error ?? {}) as SlackishError;
  if (e.code === 'slack_webapi_platform_error') {
    const code = typeof e.data?.error === 'string' ? e.data.error : 'unknown_error';
    return TRANSIENT_PLATFORM_ERRORS.has(code) ? undefined : code;
  }
  if (e.code === 'slack_webapi_rate_limited_error') return 'ratelimited';
  if (e.code === 'slack_webapi_request_error') {
    const message = typeof e.original?.message === 'string' ? e.original.message : '';
    return /rate limit/i.test(message) ? 'ratelimited' : undefined;
  }
  if (e.code === 'slack_webapi_http_error') {
    return typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500
      ? `http_${e.statusCode}`
      : undefined;
  }
  return undefined;
}

/**
 * For logs: the Slack error code or the error's name, never a body; a missing scope names the
 * scope and says the app must be reinstalled.
 */
export function slackErrorSummary(error: unknown): string {
  const e = (error ?? {}) as SlackishError & { name?: unknown; message?: unknown };
  const needed = neededScope(error);
  if (needed !== undefined) return missingScopeText(needed);
  if (typeof e.data?.error === 'string') return e.data.error;
  if (typeof e.code === 'string') return e.code;
  return error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 300) : 'unknown error';
}

/** The Web API's own address, when SLACK_API_URL does not name another. */
export const DEFAULT_SLACK_API_URL = 'https://slack.com/api/';

/** Answers that mean the token itself is at fault: wrong, revoked, of another kind, or its app uninstalled. */
const TOKEN_ERRORS = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'not_allowed_token_type',
  'invalid_token',
  'no_permission',
  'team_access_not_granted',
]);

/**
 * For a `missing_scope` answer, the scope(s) Slack says the call needed (its `needed`, `''` when
 * it named none); undefined for any other failure.
 */
export function neededScope(error: unknown): string | undefined {
  const data = ((error ?? {}) as { data?: { error?: unknown; needed?: unknown } }).data;
  if (data?.error !== 'missing_scope') return undefined;
  return typeof data.needed === 'string' ? data.needed : '';
}

/** What an admin does about a missing scope, in one sentence; `needed` as neededScope gives it. */
export function missingScopeText(needed: string): string {
  const what = needed === '' ? 'a scope it needs' : `the ${needed} scope`;
  return (
    `the Slack app lacks ${what} (missing_scope): add it under OAuth & Permissions ` +
    '(or update the app from manifest.json) and reinstall the app to the workspace'
  );
}

/**
 * Why a call never got Slack's answer: the network error's code (ECONNREFUSED, ENOTFOUND …),
 * `timeout`, or the error's own message.
 */
function networkCause(original: unknown): string {
  const o = (original ?? {}) as { name?: unknown; code?: unknown; message?: unknown; cause?: { code?: unknown } };
  if (o.name === 'TimeoutError' || o.name === 'AbortError') return 'timeout';
  if (typeof o.cause?.code === 'string') return o.cause.code;
  if (typeof o.code === 'string') return o.code;
  return typeof o.message === 'string' && o.message !== '' ? o.message.slice(0, 200) : 'no answer';
}

/**
 * One sentence on what is wrong with reaching Slack, for the operator (a log line, the banner,
 * /readyz): `SLACK_BOT_TOKEN is not valid (invalid_auth)`, `cannot reach Slack at
 * https://slack.com/api/ (ECONNREFUSED)`, the missing scope and the reinstall it needs. Never a
 * token or a body.
 */
export function slackFaultText(error: unknown, where: { apiUrl: string; tokenName: string }): string {
  const e = (error ?? {}) as SlackishError & { retryAfter?: unknown };
  if (e.code === 'slack_webapi_platform_error') {
    const code = typeof e.data?.error === 'string' ? e.data.error : 'unknown_error';
    const needed = neededScope(error);
    if (needed !== undefined) return missingScopeText(needed);
    if (TOKEN_ERRORS.has(code)) return `${where.tokenName} is not valid (${code})`;
    return `Slack refused the connection check (${code})`;
  }
  if (e.code === 'slack_webapi_request_error')
    return `cannot reach Slack at ${where.apiUrl} (${networkCause(e.original)})`;
  if (e.code === 'slack_webapi_http_error') {
    return `Slack at ${where.apiUrl} answered HTTP ${typeof e.statusCode === 'number' ? e.statusCode : '?'}`;
  }
  if (e.code === 'slack_webapi_rate_limited_error') {
    return `Slack is rate-limiting the connection check (retry after ${String(e.retryAfter ?? '?')} s)`;
  }
  return `cannot connect to Slack (${slackErrorSummary(error)})`;
}
