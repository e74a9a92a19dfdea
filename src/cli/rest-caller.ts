import type { ProxyConfig } from '../config.js';
import { ERROR_CODES, LoopPauseError } from '../domain/errors.js';
import { parseInput } from '../domain/validation.js';
import { askService, type ServiceAnswer, ServiceUnreachable } from '../lib/service-request.js';
import type { ToolCaller } from '../mcp/server.js';

/**
 * The stdio proxy's tool runner: the same tools and schemas as the HTTP server, each call passed
 * to the service's REST API. Arguments are checked here first, so errors name the field even
 * when the service is down; the service's own errors come back with its message.
 */
export function restToolCaller(config: ProxyConfig, fetchImpl: typeof fetch = fetch): ToolCaller {
  const call = async (method: 'GET' | 'POST', path: string, body: unknown, signal: AbortSignal, timeoutMs: number) => {
    let answer: ServiceAnswer;
    try {
      answer = await askService({
        url: `${config.apiUrl}${path}`,
        apiKey: config.apiKey,
        method,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal,
        timeoutMs,
        fetch: fetchImpl,
      });
    } catch (error) {
      if (!(error instanceof ServiceUnreachable)) throw error;
      throw new LoopPauseError(
        'unavailable',
        `cannot reach the LoopPause service at ${config.apiUrl} (${error.reason})`,
      );
    }
    const json = answer.json;
    if (answer.ok && json && typeof json === 'object') return json as object;
    const error = (json as { error?: { code?: string; message?: string; field?: string } } | undefined)?.error;
    const code = ERROR_CODES.find((c) => c === error?.code) ?? (answer.status === 401 ? 'unauthorized' : 'unavailable');
    const message = error?.message ?? `the service answered HTTP ${answer.status}`;
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
