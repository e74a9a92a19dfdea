import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  type CallToolResult,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
} from '@modelcontextprotocol/sdk/types.js';
import { taskCallError } from '../mcp/json-rpc-error.js';
// tasks/* with any params: the handlers check them naming the field (as on /mcp).
import { CancelTask, GetTask, GetTaskPayload, jsonSchemaValidator } from '../mcp/server.js';
import { VERSION } from '../version.js';
// Types only: the local gateway (in @looppause/mcp) loads this file and runs no tasks.
import type { GatewayTasks } from './tasks.js';
import { type Upstream, UpstreamError } from './upstream.js';

/** Tells the agent a call is still waiting (notifications/progress), when it gave a progressToken. */
export type Progress = (message: string, elapsedSeconds: number) => Promise<void>;

/** One tools/call through a gateway, with the agent's abort signal and, if it asked, a progress channel. */
export type GatewayToolCall = (
  name: string,
  args: Record<string, unknown>,
  context: { signal: AbortSignal; progress?: Progress },
) => Promise<CallToolResult>;

/**
 * The MCP server an agent sees in front of one upstream, for the server-side gateway (router.ts)
 * and the local one (local.ts) alike: the upstream's tools, and every call through `call`. A call
 * that fails unexpectedly is answered by `onFailure` (which may throw a JSON-RPC error).
 */
/** The gateway server's tasks capability: tools/call as a task, tasks/get, tasks/result, tasks/cancel. */
const GATEWAY_TASKS_CAPABILITY = { cancel: {}, requests: { tools: { call: {} } } };

export function gatewayServer(
  upstream: Pick<Upstream, 'name' | 'listTools'>,
  call: GatewayToolCall,
  onFailure: (name: string, error: unknown) => CallToolResult,
  tasks?: GatewayTasks,
): Server {
  const server = new Server(
    { name: `looppause-gateway-${upstream.name}`, version: VERSION },
    {
      capabilities: tasks ? { tools: {}, tasks: GATEWAY_TASKS_CAPABILITY } : { tools: {} },
      // One validator for every request's server, as on /mcp (the SDK would build an Ajv per server).
      jsonSchemaValidator,
    },
  );
  server.setRequestHandler(ListToolsRequestSchema, async () => {
    try {
      const tools = await upstream.listTools();
      // Any call may wait for a human: with tasks, each tool may run as one.
      return { tools: tasks ? tools.map((t) => ({ ...t, execution: { taskSupport: 'optional' as const } })) : tools };
    } catch (error) {
      if (error instanceof UpstreamError) throw new McpError(ErrorCode.InternalError, error.message);
      throw error;
    }
  });
  if (tasks) registerTaskHandlers(server, tasks, onFailure);
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    if (request.params.task && tasks) {
      // A task-augmented call answers with its task or a JSON-RPC error, never a tool error.
      return asTaskCall(
        () => tasks.start(request.params.name, request.params.arguments ?? {}, request.params.task?.ttl),
        onFailure,
        request.params.name,
      );
    }
    const token = request.params._meta?.progressToken;
    const progress: Progress | undefined =
      token === undefined
        ? undefined
        : (message, elapsed) =>
            extra.sendNotification({
              method: 'notifications/progress',
              params: { progressToken: token, progress: elapsed, message },
            });
    try {
      return await call(request.params.name, request.params.arguments ?? {}, {
        signal: extra.signal,
        ...(progress ? { progress } : {}),
      });
    } catch (error) {
      return onFailure(request.params.name, error);
    }
  });
  return server;
}

function registerTaskHandlers(
  server: Server,
  tasks: GatewayTasks,
  onFailure: (name: string, error: unknown) => CallToolResult,
): void {
  // The SDK types these results outside ServerResult (its own handlers need a cast too).
  type Handler = Parameters<Server['setRequestHandler']>[1];
  const handle = (method: string, run: (params: unknown, signal: AbortSignal) => Promise<object>): Handler =>
    ((request: { params?: unknown }, extra: { signal: AbortSignal }) =>
      asTaskCall(() => run(request.params, extra.signal), onFailure, method)) as unknown as Handler;
  server.setRequestHandler(
    GetTask,
    handle('tasks/get', (params) => tasks.get(params)),
  );
  server.setRequestHandler(
    GetTaskPayload,
    handle('tasks/result', (params, signal) => tasks.result(params, signal)),
  );
  server.setRequestHandler(
    CancelTask,
    handle('tasks/cancel', (params) => tasks.cancel(params)),
  );
}

/** Known errors as the JSON-RPC error that says what is wrong; anything else goes to `onFailure`, which throws. */
async function asTaskCall<T>(
  run: () => Promise<T>,
  onFailure: (name: string, error: unknown) => CallToolResult,
  name: string,
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const known = taskCallError(error);
    if (known) throw known;
    onFailure(name, error);
    throw new McpError(ErrorCode.InternalError, 'the gateway could not complete this call');
  }
}
