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

/** For logs: the Slack error code or the error's name, never a body. */
export function slackErrorSummary(error: unknown): string {
  const e = (error ?? {}) as SlackishError & { name?: unknown; message?: unknown };
  if (typeof e.data?.error === 'string') return e.data.error;
  if (typeof e.code === 'string') return e.code;
  return error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 300) : 'unknown error';
}
