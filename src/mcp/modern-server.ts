import {
  CLIENT_CAPABILITIES_META_KEY,
  MissingRequiredClientCapabilityError,
  ProtocolError,
  ProtocolErrorCode,
  Server,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/server/validators/ajv';
import { z } from 'zod';
import { VERSION } from '../version.js';
import { type JsonRpcError, taskCallError } from './json-rpc-error.js';
import { INSTRUCTIONS, runTool, type ToolCaller, toolError } from './server.js';
import type { AgentTasks } from './tasks.js';
import { listEntry, type Tool } from './tool.js';
import { tools as looppauseTools } from './tools/index.js';

/** The tasks extension of MCP 2026-07-28: request_approval answers with a task to a client that declares it. */
export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';

/**
 * tools/list and server/discover are the same for every API key (they change only when the service
 * restarts with another policy), so any cache may keep them; five minutes bounds how long a client
 * shows the descriptions of before a restart.
 */
export const LIST_CACHE_HINT = { ttlMs: 300_000, cacheScope: 'public' } as const;

export interface ModernServerOptions {
  /** The tools this endpoint serves; LoopPause's own three when not given. */
  tools?: readonly Tool[];
  /** An operator policy routes requests: request_approval's description says so. */
  policyRoutes?: boolean;
  /** The server's name in server/discover and on every result's `_meta`. */
  name?: string;
}

/** One validator for every per-request server, as for the 2025-11-25 server: the SDK would build one per Server. */
const jsonSchemaValidator = new AjvJsonSchemaValidator();

// The tasks extension's requests. Params are taken as they come and checked by AgentTasks, which
// names the field, rather than failing here with a validation dump.
const anyParams = { params: z.unknown() };

/**
 * A fresh MCP 2026-07-28 server (the SDK's 2.x `Server`) for one request: the same tools and
 * results as the 2025-11-25 server, tool annotations and titles in tools/list, and cache hints on
 * tools/list and server/discover. The SDK checks the request's `_meta` envelope and its headers
 * before a handler runs. With `tasks` (bound to the caller's API key), request_approval answers with
 * a task when the request declares the tasks extension in its client capabilities.
 */
export function createModernMcpServer(
  call: ToolCaller,
  onUnexpected: (error: unknown) => void,
  tasks?: AgentTasks,
  options: ModernServerOptions = {},
): Server {
  const tools = options.tools ?? looppauseTools;
  const listing = listingOf(tools, options.policyRoutes ?? false);
  const byName = new Map(tools.map((t) => [t.name, t]));
  const server = new Server(
    { name: options.name ?? 'looppause', version: VERSION },
    {
      capabilities: tasks ? { tools: {}, extensions: { [TASKS_EXTENSION]: {} } } : { tools: {} },
      instructions: INSTRUCTIONS,
      jsonSchemaValidator,
      cacheHints: { 'tools/list': LIST_CACHE_HINT, 'server/discover': LIST_CACHE_HINT },
    },
  );
  server.setRequestHandler('tools/list', () => listing);
  server.setRequestHandler('tools/call', async (request, ctx) => {
    const { name } = request.params;
    const args = request.params.arguments ?? {};
    const tool = byName.get(name);
    if (!tool) return toolError(`unknown tool ${JSON.stringify(name)}; use ${[...byName.keys()].join(', ')}`);
    if (typeof args !== 'object' || args === null || Array.isArray(args))
      return toolError('arguments must be a JSON object');
    if (tasks && tool.taskSupport && declaresTasks(ctx)) {
      // A task or a JSON-RPC error: a task-creating call has no tool-error form.
      const created = await guard(onUnexpected, () => call(tool, args, ctx.mcpReq.signal));
      return guard(onUnexpected, () => tasks.createTask((created as { pause_id: string }).pause_id)) as never;
    }
    return runTool(call, tool, args, ctx.mcpReq.signal, onUnexpected);
  });
  if (tasks) {
    const handle =
      (run: (params: unknown) => Promise<object>) =>
      (params: unknown, ctx: ServerContext): Promise<never> => {
        requireTasks(ctx);
        return guard(onUnexpected, () => run(params)) as Promise<never>;
      };
    server.setRequestHandler(
      'tasks/get',
      anyParams,
      handle((p) => tasks.getTask(p)),
    );
    server.setRequestHandler(
      'tasks/update',
      anyParams,
      handle((p) => tasks.updateTask(p)),
    );
    server.setRequestHandler(
      'tasks/cancel',
      anyParams,
      handle((p) => tasks.cancelTask(p)),
    );
  }
  return server;
}

/** tools/list, computed once per tool set (JSON Schema from zod is far too costly per request). */
const listings = new WeakMap<readonly Tool[], Map<boolean, { tools: ReturnType<typeof listEntry>[] }>>();

/** tools/list without `execution.taskSupport`: in 2026-07-28 the server decides per call, from the client's capabilities. */
function listingOf(tools: readonly Tool[], policyRoutes: boolean) {
  const byPolicy = listings.get(tools) ?? new Map();
  listings.set(tools, byPolicy);
  const listing = byPolicy.get(policyRoutes) ?? { tools: tools.map((t) => listEntry(t, policyRoutes)) };
  byPolicy.set(policyRoutes, listing);
  return listing;
}

function declaresTasks(ctx: ServerContext): boolean {
  const envelope = ctx.mcpReq.envelope as Record<string, { extensions?: unknown } | undefined> | undefined;
  const extensions = envelope?.[CLIENT_CAPABILITIES_META_KEY]?.extensions;
  return typeof extensions === 'object' && extensions !== null && TASKS_EXTENSION in extensions;
}

/** The tasks extension's methods answer only a client that declared the extension on the request. */
function requireTasks(ctx: ServerContext): void {
  if (!declaresTasks(ctx))
    throw new MissingRequiredClientCapabilityError(
      { requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } } },
      `Missing required client capability: declare the ${TASKS_EXTENSION} extension in io.modelcontextprotocol/clientCapabilities to use tasks`,
    );
}

/** Known errors become JSON-RPC errors that say what is wrong; anything else is logged and answered as internal. */
async function guard<T>(onUnexpected: (error: unknown) => void, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof ProtocolError) throw error;
    const known: JsonRpcError | undefined = taskCallError(error);
    if (known) throw new ProtocolError(known.code, known.message);
    onUnexpected(error);
    throw new ProtocolError(ProtocolErrorCode.InternalError, 'internal error; the request was not completed');
  }
}
