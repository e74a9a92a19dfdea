import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { errorSummary } from '../domain/errors.js';
import { toolCallDigest } from '../domain/tool-calls.js';
import { askService, reasonOf, type ServiceAnswer, ServiceUnreachable } from '../lib/service-request.js';
import { toolError } from '../mcp/server.js';
import { type ReceiptJwks, verifyReceipt } from '../receipts/verify-receipt.js';
import { gatewayServer } from './mcp-server.js';
import { type Upstream, UpstreamError } from './upstream.js';

/**
 * The local gateway (`looppause-mcp gateway -- <command> …`): a stdio MCP server in front of a
 * stdio MCP server on the developer's machine. Each tools/call is asked of the LoopPause service
 * (`POST /v1/tool-calls` as `mcp__<name>__<tool>`), and reaches the wrapped server only when the
 * service allows it: a read-only tool no rule names passes, anything approved must come with a
 * receipt that verifies against the service's JWKS, for this pause and exactly these arguments.
 * Everything else — refused, still pending, a receipt that does not verify, the service down or
 * slow — is a tool error, and the wrapped server is not called.
 */

/** What the local gateway needs of the wrapped server (an Upstream over stdio). */
export type LocalUpstream = Pick<Upstream, 'name' | 'listTools' | 'tool' | 'callTool'>;

export interface LocalGatewayOptions {
  /** LOOPPAUSE_API_URL, without a trailing slash. */
  apiUrl: string;
  apiKey: string;
  /** How long the service holds a call for a human (`?wait=`). */
  waitSeconds: number;
  /** When a call to the service is given up (a tool error). */
  timeoutMs: number;
  /** The working directory shown to the approver, when it fits the service's limit. */
  cwd?: string | undefined;
  fetch?: typeof fetch;
  now?: () => number;
}

export interface LocalCallOptions {
  signal?: AbortSignal | undefined;
  /** Called every PROGRESS_EVERY_MS while the service has not answered. */
  progress?: ((elapsedSeconds: number) => Promise<void>) | undefined;
}

const PROGRESS_EVERY_MS = 10_000;
/** Clocks of the service and of this machine may disagree a little on a receipt's `iat` and `exp`. */
const CLOCK_TOLERANCE_SECONDS = 30;
const MAX_CWD_CHARS = 4096;
const MAX_REASON_CHARS = 2000;
const MAX_JWKS_BYTES = 256 * 1024;
const JWKS_TIMEOUT_MS = 10_000;

const answerSchema = z.object({
  decision: z.enum(['allow', 'deny', 'ask', 'pending']),
  pause_id: z.string().min(1).max(200).optional(),
  reason: z.string().optional(),
  response: z.object({ receipt: z.unknown().optional() }).optional(),
});
type Answer = z.infer<typeof answerSchema>;

/** The key set as verifyReceipt reads it; entries of another shape (RSA keys, say) are left out, not fatal. */
const jwksSchema = z.object({ keys: z.array(z.unknown()).max(100) });
const jwkSchema = z.object({
  kty: z.string(),
  crv: z.string().optional(),
  x: z.string().optional(),
  kid: z.string().optional(),
});

/** A call the gateway refuses itself: the agent gets a tool error with this message and code. */
class Refusal extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/** The service's receipt keys, fetched once and again only when a receipt names a key they lack. */
export class JwksCache {
  private keys: Promise<ReceiptJwks> | undefined;

  constructor(
    private readonly url: string,
    private readonly fetchImpl: typeof fetch,
  ) {}

  get(): Promise<ReceiptJwks> {
    this.keys ??= this.load().catch((error: unknown) => {
      this.keys = undefined;
      throw error;
    });
    return this.keys;
  }

  refresh(): Promise<ReceiptJwks> {
    this.keys = undefined;
    return this.get();
  }

  private async load(): Promise<ReceiptJwks> {
    let text: string;
    try {
      const response = await this.fetchImpl(this.url, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(JWKS_TIMEOUT_MS),
      });
      if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
      text = await response.text();
    } catch (error) {
      throw new Refusal(
        `cannot read the LoopPause service's receipt keys at ${this.url} (${reasonOf(error)})`,
        'unavailable',
      );
    }
    const parsed = Buffer.byteLength(text) <= MAX_JWKS_BYTES ? jwksSchema.safeParse(parseJson(text)) : undefined;
    if (!parsed?.success)
      throw new Refusal(`the LoopPause service's receipt keys at ${this.url} are not a JWKS`, 'unavailable');
    return { keys: parsed.data.keys.flatMap((key) => jwkSchema.safeParse(key).data ?? []) };
  }
}

export class LocalGateway {
  private readonly fetchImpl: typeof fetch;
  private readonly now: () => number;
  private readonly jwks: JwksCache;

  constructor(
    readonly upstream: LocalUpstream,
    private readonly options: LocalGatewayOptions,
  ) {
    this.fetchImpl = options.fetch ?? fetch;
    this.now = options.now ?? Date.now;
    this.jwks = new JwksCache(`${options.apiUrl}/.well-known/jwks.json`, this.fetchImpl);
  }

  /** tools/call of `name`: asked of the service, then forwarded with exactly `args`, or a tool error. */
  async callTool(name: string, args: Record<string, unknown>, options: LocalCallOptions = {}): Promise<CallToolResult> {
    try {
      const tool = await this.upstream.tool(name);
      if (!tool) return toolError(`no tool ${JSON.stringify(name.slice(0, 128))} on this server (see tools/list)`);
      const call = { tool: `mcp__${this.upstream.name}__${name}`, input: args };
      const answer = await this.ask(call, tool.readOnly, options);
      await this.check(answer, call, tool.readOnly);
    } catch (error) {
      if (error instanceof Refusal) return toolError(error.message, error.code);
      if (error instanceof UpstreamError) return toolError(error.message, 'unavailable');
      throw error;
    }
    try {
      return await this.upstream.callTool(name, args, options.signal);
    } catch (error) {
      if (error instanceof UpstreamError) return toolError(`${error.message}; the call was not retried`, 'unavailable');
      throw error;
    }
  }

  /** `POST /v1/tool-calls?wait=…`: the service's answer, read and checked, or a Refusal saying why not. */
  private async ask(
    call: { tool: string; input: Record<string, unknown> },
    readOnly: boolean,
    options: LocalCallOptions,
  ): Promise<Answer> {
    const { apiUrl, apiKey, waitSeconds, timeoutMs, cwd } = this.options;
    const started = this.now();
    const progress = options.progress;
    const timer =
      progress === undefined
        ? undefined
        : setInterval(() => {
            progress(Math.round((this.now() - started) / 1000)).catch(() => undefined);
          }, PROGRESS_EVERY_MS);
    let answered: ServiceAnswer;
    try {
      answered = await askService({
        url: `${apiUrl}/v1/tool-calls?wait=${waitSeconds}`,
        apiKey,
        body: JSON.stringify({
          ...call,
          ...(cwd !== undefined && cwd.length > 0 && cwd.length <= MAX_CWD_CHARS ? { cwd } : {}),
          gateway: { read_only: readOnly },
        }),
        signal: options.signal,
        timeoutMs,
        fetch: this.fetchImpl,
      });
    } catch (error) {
      if (!(error instanceof ServiceUnreachable)) throw error;
      if (error.aborted) throw new Refusal('the call was cancelled before LoopPause answered', 'cancelled');
      const reason = error.timedOut ? `${error.reason} (LOOPPAUSE_GATEWAY_TIMEOUT_SECONDS)` : error.reason;
      throw new Refusal(
        `cannot reach the LoopPause service at ${apiUrl} (${reason}); the call was not forwarded`,
        'unavailable',
      );
    } finally {
      clearInterval(timer);
    }
    const body = answered.json;
    if (answered.status !== 200) {
      const message = (body as { error?: { message?: unknown } } | undefined)?.error?.message;
      throw new Refusal(
        `the LoopPause service answered HTTP ${answered.status}${typeof message === 'string' ? `: ${cut(message)}` : ''}; the call was not forwarded`,
        answered.status === 401 ? 'unauthorized' : 'unavailable',
      );
    }
    const answer = answerSchema.safeParse(body);
    if (!answer.success) throw new Refusal("the LoopPause service's answer is not a tool-call decision", 'unavailable');
    return answer.data;
  }

  /** Resolves only for an answer that lets this call through; otherwise a Refusal saying why. */
  private async check(
    answer: Answer,
    call: { tool: string; input: Record<string, unknown> },
    readOnly: boolean,
  ): Promise<void> {
    switch (answer.decision) {
      case 'pending':
        throw new Refusal(
          `approval pending (pause ${answer.pause_id ?? 'unknown'}): call again to keep waiting`,
          'pending',
        );
      case 'deny':
      case 'ask':
        throw new Refusal(cut(answer.reason ?? 'not allowed'), 'denied');
      case 'allow':
        break;
    }
    if (answer.pause_id === undefined) {
      // Only a read-only tool passes without a pause; anything else is allowed by a decision, which has a receipt.
      if (readOnly) return;
      throw new Refusal('LoopPause allowed this call without an approval, but the tool is not read-only', 'denied');
    }
    const receipt = answer.response?.receipt;
    if (typeof receipt !== 'string')
      throw new Refusal('the approval carries no receipt; the call was not forwarded', 'denied');
    let actionDigest: string;
    try {
      actionDigest = toolCallDigest(call);
    } catch (error) {
      throw new Refusal(`the arguments cannot be bound to an approval (${reasonOf(error)})`, 'invalid_argument');
    }
    const expected = {
      pauseId: answer.pause_id,
      actionDigest,
      now: this.now(),
      clockToleranceSeconds: CLOCK_TOLERANCE_SECONDS,
    };
    let result = verifyReceipt(receipt, await this.jwks.get(), expected);
    if (!result.valid && result.reason === 'unknown_kid')
      result = verifyReceipt(receipt, await this.jwks.refresh(), expected);
    if (!result.valid) {
      throw new Refusal(
        `the approval's receipt does not verify (${result.reason}: ${result.message}); the call was not forwarded`,
        'denied',
      );
    }
    if (result.claims.decision !== 'approved') {
      throw new Refusal(
        `the receipt of pause ${answer.pause_id} does not approve this call; the call was not forwarded`,
        'denied',
      );
    }
  }
}

/** The MCP server the agent talks to: the wrapped server's tools, every call through `gateway`. */
export function localGatewayServer(gateway: LocalGateway, onError: (message: string) => void): Server {
  return gatewayServer(
    gateway.upstream,
    (name, args, { signal, progress }) =>
      gateway.callTool(name, args, {
        signal,
        ...(progress ? { progress: (elapsed: number) => progress('waiting for LoopPause to decide', elapsed) } : {}),
      }),
    (name, error) => {
      onError(`tools/call ${name} failed: ${errorSummary(error)}`);
      return toolError('the gateway could not complete this call', 'unavailable');
    },
  );
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function cut(text: string): string {
  return text.length > MAX_REASON_CHARS ? `${text.slice(0, MAX_REASON_CHARS - 1)}…` : text;
}
