import type { ProxyConfig } from '../config.js';
import { ERROR_CODES, LoopPauseError } from '../domain/errors.js';
import { parseInput } from '../domain/validation.js';
import type { ToolCaller } from '../mcp/server.js';

/**
 * The stdio proxy's tool runner: the same tools and schemas as the HTTP server, each call passed
 * to the service's REST API. Arguments are checked here first, so errors name the field even
 * when the service is down; the service's own errors come back with its message.
 */
export function restToolCaller(config: ProxyConfig, fetchImpl: typeof fetch = fetch): ToolCaller {
  const call = async (method: 'GET' | 'POST', path: string, body: unknown, signal: AbortSignal, timeoutMs: number) => {
    let response: Response;
    try {
      response = await fetchImpl(`${config.apiUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${config.apiKey}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
      });
    } catch (error) {
      const reason =
        error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
      throw new LoopPauseError('unavailable', `cannot reach the LoopPause service at ${config.apiUrl} (${reason})`);
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (response.ok && json && typeof json === 'object') return json as object;
    const error = (json as { error?: { code?: string; message?: string; field?: string } } | undefined)?.error;
    const code =
      ERROR_CODES.find((c) => c === error?.code) ?? (response.status === 401 ? 'unauthorized' : 'unavailable');
    const message = error?.message ?? `the service answered HTTP ${response.status}`;
    throw new LoopPauseError(code, `LoopPause service: ${message}`, error?.field);
  };

  return async (tool, args, signal) => {
    const input = parseInput(tool.inputSchema, args) as Record<string, unknown>;
    switch (tool.name) {
      case 'request_approval':
        return call('POST', '/v1/pauses', input, signal, 30_000);
      case 'check_approval': {
        const wait = Number(input.wait_seconds ?? 0);
        const id = encodeURIComponent(String(input.pause_id));
        return call('GET', `/v1/pauses/${id}?wait=${wait}`, undefined, signal, (wait + 15) * 1000);
      }
      case 'cancel_approval': {
        const id = encodeURIComponent(String(input.pause_id));
        return call(
          'POST',
          `/v1/pauses/${id}/cancel`,
          input.reason === undefined ? {} : { reason: input.reason },
          signal,
          30_000,
        );
      }
      default:
        throw new LoopPauseError('invalid_argument', `unknown tool ${tool.name}`);
    }
  };
}
