import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  type CallToolResult,
  type Tool,
  ToolListChangedNotificationSchema,
  ToolSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import { z } from 'zod';
import { VERSION } from '../version.js';
import type { UpstreamConfig } from './file.js';

/**
 * One upstream MCP server, reached with the SDK's own client: over Streamable HTTP, or as a child
 * process on stdio (one per replica, started at first use). Its tool list is read whole (every
 * page), checked and bounded: an upstream is the operator's choice but not trusted with our limits.
 */

/** MCP's own rule for tool names (1–128 of A–Z a–z 0–9 _ - .). */
const TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;
const MAX_TOOLS = 5000;
const MAX_PAGES = 100;
const MAX_DESCRIPTION_CHARS = 4000;
const MAX_TITLE_CHARS = 200;
const MAX_SCHEMA_BYTES = 64 * 1024;
/** A result larger than this is refused, not passed on: the agent gets a tool error saying so. */
export const MAX_RESULT_BYTES = 4 * 1024 * 1024;
const TOOLS_TTL_MS = 30_000;
/** The soonest an unknown tool name makes the list be read again. */
const TOOLS_REREAD_MS = 2_000;
/** A tools/list answer before its tools are checked: each entry is judged alone by checkTool. */
const looseToolList = z.looseObject({
  tools: z.array(z.unknown()),
  nextCursor: z.string().optional(),
});
export const CALL_TIMEOUT_MS = 120_000;
const LIST_TIMEOUT_MS = 30_000;

/** What the gateway keeps of an upstream tool: what tools/list passes on, and whether it is read-only. */
export interface GatewayTool {
  tool: Tool;
  readOnly: boolean;
}

export class UpstreamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UpstreamError';
  }
}

export class Upstream {
  private client: Promise<Client> | undefined;
  private tools: { at: number; byName: Map<string, GatewayTool>; list: Tool[] } | undefined;
  private reading: Promise<NonNullable<Upstream['tools']>> | undefined;

  constructor(
    readonly config: UpstreamConfig,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  get name(): string {
    return this.config.name;
  }

  /** The upstream's tools, checked; re-read after TOOLS_TTL_MS or when the upstream says they changed. */
  async listTools(): Promise<Tool[]> {
    return (await this.toolTable()).list;
  }

  /** One tool by name, re-reading the list once if it is not there (the upstream may have added it). */
  async tool(name: string): Promise<GatewayTool | undefined> {
    const table = await this.toolTable();
    const known = table.byName.get(name);
    // A list read moments ago is not read again: unknown names cannot make every call a tools/list upstream.
    if (known || this.now() - table.at < TOOLS_REREAD_MS) return known;
    this.tools = undefined;
    return (await this.toolTable()).byName.get(name);
  }

  /** Calls the tool with exactly these arguments; a failure of the upstream is an UpstreamError. */
  async callTool(name: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<CallToolResult> {
    const client = await this.connect();
    let result: CallToolResult;
    try {
      result = (await client.callTool({ name, arguments: args }, undefined, {
        timeout: CALL_TIMEOUT_MS,
        ...(signal ? { signal } : {}),
      })) as CallToolResult;
    } catch (error) {
      this.drop(error);
      throw new UpstreamError(`the upstream server "${this.name}" failed: ${describe(error)}`);
    }
    let size: number;
    try {
      size = Buffer.byteLength(JSON.stringify(result));
    } catch {
      // Nested past what JSON.stringify can walk: not a result to pass on (and the call did run).
      throw new UpstreamError(`the upstream server "${this.name}" answered a result nested too deep to pass on`);
    }
    if (size > MAX_RESULT_BYTES) {
      throw new UpstreamError(`the upstream server "${this.name}" answered more than ${MAX_RESULT_BYTES} bytes`);
    }
    return result;
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.tools = undefined;
    if (client) await client.then((c) => c.close()).catch(() => undefined);
  }

  private async toolTable(): Promise<NonNullable<Upstream['tools']>> {
    if (this.tools && this.now() - this.tools.at < TOOLS_TTL_MS) return this.tools;
    // Calls that find the list stale together wait for one reading of it, not one each.
    this.reading ??= this.readTools().finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  private async readTools(): Promise<NonNullable<Upstream['tools']>> {
    const client = await this.connect();
    const seen: unknown[] = [];
    let cursor: string | undefined;
    try {
      for (let page = 0; page < MAX_PAGES; page++) {
        // Read loosely, checked one by one below: one bad entry must not hide the upstream's other tools.
        const listed = await client.request(
          { method: 'tools/list', params: cursor === undefined ? {} : { cursor } },
          looseToolList,
          { timeout: LIST_TIMEOUT_MS },
        );
        seen.push(...listed.tools);
        cursor = listed.nextCursor;
        if (cursor === undefined || seen.length >= MAX_TOOLS) break;
      }
    } catch (error) {
      this.drop(error);
      throw new UpstreamError(`the upstream server "${this.name}" could not list its tools: ${describe(error)}`);
    }
    const byName = new Map<string, GatewayTool>();
    let dropped = 0;
    for (const raw of seen.slice(0, MAX_TOOLS)) {
      const checked = checkTool(raw);
      if (checked === undefined || byName.has(checked.tool.name)) dropped++;
      else byName.set(checked.tool.name, checked);
    }
    if (dropped > 0) this.logger.warn({ upstream: this.name, dropped }, 'upstream tools left out (bad or repeated)');
    this.tools = { at: this.now(), byName, list: [...byName.values()].map((t) => t.tool) };
    return this.tools;
  }

  private connect(): Promise<Client> {
    this.client ??= this.open().catch((error: unknown) => {
      this.client = undefined;
      throw new UpstreamError(`the upstream server "${this.name}" could not be reached: ${describe(error)}`);
    });
    return this.client;
  }

  private async open(): Promise<Client> {
    const client = new Client({ name: 'looppause-gateway', version: VERSION });
    client.onclose = () => {
      this.client = undefined;
      this.tools = undefined;
    };
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      this.tools = undefined;
    });
    await client.connect(transportFor(this.config));
    return client;
  }

  /** A failed exchange: the next call connects anew (a stdio server that died is started again). */
  private drop(error: unknown): void {
    this.logger.warn({ upstream: this.name, err: describe(error) }, 'upstream call failed');
    const client = this.client;
    this.client = undefined;
    this.tools = undefined;
    if (client) void client.then((c) => c.close()).catch(() => undefined);
  }
}

function transportFor(config: UpstreamConfig): Transport {
  if (config.kind === 'http') {
    return new StreamableHTTPClientTransport(config.url, {
      requestInit: { headers: config.headers },
      fetch: ownSignalFetch,
    });
  }
  return new StdioClientTransport({
    command: config.command,
    args: config.args,
    // The SDK's safe default set (PATH, HOME, …) and what the file gives: never the service's secrets.
    env: { ...getDefaultEnvironment(), ...config.env },
    ...(config.cwd === undefined ? {} : { cwd: config.cwd }),
    stderr: 'ignore',
  });
}

/**
 * fetch with a signal of its own per request, following the transport's. The SDK's transport hands
 * every request the one signal of its connection, and Node's fetch removes the listener it adds
 * there only when the request is garbage-collected: a busy gateway would pile up thousands of them
 * (and warn about a leak). This one is removed as soon as the response's body is read or dropped.
 */
async function ownSignalFetch(url: string | URL, init?: RequestInit): Promise<Response> {
  const shared = init?.signal;
  if (!shared) return fetch(url, init);
  const own = new AbortController();
  const follow = () => own.abort(shared.reason);
  if (shared.aborted) follow();
  else shared.addEventListener('abort', follow, { once: true });
  const release = () => shared.removeEventListener('abort', follow);
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: own.signal });
  } catch (error) {
    release();
    throw error;
  }
  // Errors and redirects are read or dropped at once by the transport: handed back as they came.
  if (!response.ok || !response.body) {
    release();
    return response;
  }
  // An event stream stays abortable while it is read, and lets go of the shared signal when it ends.
  const reader = response.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          release();
          controller.close();
        } else controller.enqueue(value);
      } catch (error) {
        release();
        controller.error(error);
      }
    },
    cancel(reason) {
      release();
      return reader.cancel(reason);
    },
  });
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

/** A tool as the gateway passes it on, or undefined when it breaks the limits. */
function checkTool(raw: unknown): GatewayTool | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const tool = raw as Record<string, unknown>;
  if (typeof tool.name !== 'string' || !TOOL_NAME.test(tool.name)) return undefined;
  const schema = tool.inputSchema as Record<string, unknown> | undefined;
  if (typeof schema !== 'object' || schema === null || schema.type !== 'object') return undefined;
  if (Buffer.byteLength(JSON.stringify(schema)) > MAX_SCHEMA_BYTES) return undefined;
  const output = tool.outputSchema as Record<string, unknown> | undefined;
  const keepOutput =
    typeof output === 'object' &&
    output !== null &&
    output.type === 'object' &&
    Buffer.byteLength(JSON.stringify(output)) <= MAX_SCHEMA_BYTES &&
    ToolSchema.shape.outputSchema.safeParse(output).success;
  const hints = typeof tool.annotations === 'object' && tool.annotations !== null ? tool.annotations : {};
  const annotations: Record<string, unknown> = {};
  for (const hint of ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'] as const) {
    const value = (hints as Record<string, unknown>)[hint];
    if (typeof value === 'boolean') annotations[hint] = value;
  }
  const title = (hints as Record<string, unknown>).title;
  if (typeof title === 'string') annotations.title = title.slice(0, MAX_TITLE_CHARS);
  const checked: Tool = {
    name: tool.name,
    inputSchema: schema as Tool['inputSchema'],
    ...(typeof tool.title === 'string' ? { title: tool.title.slice(0, MAX_TITLE_CHARS) } : {}),
    ...(typeof tool.description === 'string' ? { description: tool.description.slice(0, MAX_DESCRIPTION_CHARS) } : {}),
    ...(keepOutput ? { outputSchema: output as Tool['outputSchema'] } : {}),
    ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
  };
  // What the agent's own MCP client will accept: one entry it cannot read would fail its whole list.
  if (!ToolSchema.safeParse(checked).success) return undefined;
  return { tool: checked, readOnly: annotations.readOnlyHint === true };
}

function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > 300 ? `${text.slice(0, 299)}…` : text;
}
