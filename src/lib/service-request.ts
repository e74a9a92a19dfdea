/**
 * One call from a client on the developer's machine (the command hook, the local gateway, the
 * stdio proxy) to the LoopPause service: authenticated, bounded by a timeout and by the caller's
 * signal, its body read in full. Each caller turns what comes back into its own refusal.
 */
export interface ServiceRequest {
  url: string;
  apiKey: string;
  method?: 'GET' | 'POST';
  /** JSON text; sent with `content-type: application/json`. */
  body?: string;
  signal?: AbortSignal | undefined;
  timeoutMs: number;
  fetch: typeof fetch;
}

export interface ServiceAnswer {
  status: number;
  ok: boolean;
  /** The body parsed as JSON; undefined when it is not JSON. */
  json: unknown;
}

/** The service could not be asked: unreachable, no answer in time, or the caller gave up. */
export class ServiceUnreachable extends Error {
  constructor(
    /** Why, in words: the network error's cause, or that it timed out. */
    readonly reason: string,
    readonly timedOut: boolean,
    readonly aborted: boolean,
  ) {
    super(reason);
    this.name = 'ServiceUnreachable';
  }
}

export async function askService(request: ServiceRequest): Promise<ServiceAnswer> {
  const timeout = AbortSignal.timeout(request.timeoutMs);
  let response: Response;
  let text: string;
  try {
    response = await request.fetch(request.url, {
      method: request.method ?? 'POST',
      headers: {
        authorization: `Bearer ${request.apiKey}`,
        accept: 'application/json',
        ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(request.body === undefined ? {} : { body: request.body }),
      signal: request.signal ? AbortSignal.any([request.signal, timeout]) : timeout,
    });
    text = await response.text();
  } catch (error) {
    const timedOut =
      (error as Error | undefined)?.name === 'TimeoutError' || (timeout.aborted && !request.signal?.aborted);
    throw new ServiceUnreachable(
      timedOut ? `no answer within ${request.timeoutMs / 1000} s` : reasonOf(error),
      timedOut,
      request.signal?.aborted === true,
    );
  }
  return { status: response.status, ok: response.ok, json: parseJson(text) };
}

/** A network error's cause (what `fetch failed` hides), or its own message. */
export function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return (error.cause as Error | undefined)?.message ?? error.message;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
