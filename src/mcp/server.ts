import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  type CallToolResult,
  type CreateTaskResult,
  ErrorCode,
  ListToolsRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { z } from 'zod';
import { LoopPauseError } from '../domain/errors.js';
import { storeOutage } from '../store/unavailable.js';
import { VERSION } from '../version.js';
import { JsonRpcError, taskCallError } from './json-rpc-error.js';
import type { AgentTasks } from './tasks.js';
import { listEntry, listEntryWithTasks, type Tool } from './tool.js';
import { tools } from './tools/index.js';

/** Runs one tool; the HTTP server calls the service, the stdio proxy calls the REST API. */
export type ToolCaller = (tool: Tool, args: unknown, signal: AbortSignal) => Promise<object>;

/** tools/list, computed once: with tasks on, request_approval is marked as runnable as a task; under a policy, its description says the policy routes. */
const listings = {
  plain: { tools: tools.map((t) => listEntry(t)) },
  tasks: { tools: tools.map((t) => listEntryWithTasks(t)) },
  plainUnderPolicy: { tools: tools.map((t) => listEntry(t, true)) },
  tasksUnderPolicy: { tools: tools.map((t) => listEntryWithTasks(t, true)) },
};
const byName = new Map(tools.map((t) => [t.name, t]));

/** tasks/list, tasks/get, tasks/result, tasks/cancel, and tools/call with `task` for request_approval. */
const TASKS_CAPABILITY = { list: {}, cancel: {}, requests: { tools: { call: {} } } };

// The SDK's own tasks/* request schemas fail with a validation dump as an internal error when a
// parameter has the wrong type; these take any params, and the handlers check them naming the field.
const anyParams = z.unknown().optional();
export const GetTask = z.object({ method: z.literal('tasks/get'), params: anyParams });
export const GetTaskPayload = z.object({ method: z.literal('tasks/result'), params: anyParams });
const ListTasks = z.object({ method: z.literal('tasks/list'), params: anyParams });
export const CancelTask = z.object({ method: z.literal('tasks/cancel'), params: anyParams });

const SERVER_INFO = { name: 'looppause', version: VERSION };

export const INSTRUCTIONS =
  'LoopPause lets you ask a human before an action you cannot undo. Call request_approval, then ' +
  'check_approval (with wait_seconds) until a human decides. Never act on "pending", "rejected", ' +
  '"timed_out" or "expired".';

/**
 * One validator for every server: the SDK builds a new Ajv per Server by default, which cost about
 * a tenth of each stateless request. It only checks elicitation answers, which LoopPause never asks.
 */
export const jsonSchemaValidator = new AjvJsonSchemaValidator();

/**
 * A fresh low-level server per request (stateless); the tool list is precomputed once. With
 * `tasks` (the caller's, bound to its API key) the server also speaks MCP tasks; without, it is
 * exactly the server it was before tasks.
 */
export function createMcpServer(
  call: ToolCaller,
  onUnexpected: (error: unknown) => void,
  tasks?: AgentTasks,
  options: { policyRoutes?: boolean } = {},
): Server {
  const listing = options.policyRoutes
    ? tasks
      ? listings.tasksUnderPolicy
      : listings.plainUnderPolicy
    : tasks
      ? listings.tasks
      : listings.plain;
  const server = new Server(SERVER_INFO, {
    capabilities: tasks ? { tools: {}, tasks: TASKS_CAPABILITY } : { tools: {} },
    instructions: INSTRUCTIONS,
    jsonSchemaValidator,
  });
  server.setRequestHandler(ListToolsRequestSchema, () => listing);
  if (tasks) registerTaskHandlers(server, tasks, onUnexpected);
  server.setRequestHandler(
    CallToolRequestSchema,
    async (request, extra): Promise<CallToolResult | CreateTaskResult> => {
      const tool = byName.get(request.params.name);
      if (request.params.task && tasks) {
        // The SDK answers a task-augmented call with a CreateTaskResult or a JSON-RPC error, never a tool error.
        if (!tool?.taskSupport)
          throw new JsonRpcError(
            ErrorCode.MethodNotFound,
            `${JSON.stringify(request.params.name)} does not run as a task; of these tools only ` +
              `${tools
                .filter((t) => t.taskSupport)
                .map((t) => t.name)
                .join(', ')} does (or call it without task)`,
          );
        return guard(onUnexpected, async () => {
          const created = (await call(tool, request.params.arguments ?? {}, extra.signal)) as { pause_id: string };
          return tasks.create(created.pause_id);
        });
      }
      if (!tool)
        return toolError(`unknown tool ${JSON.stringify(request.params.name)}; use ${[...byName.keys()].join(', ')}`);
      return runTool(call, tool, request.params.arguments ?? {}, extra.signal, onUnexpected);
    },
  );
  return server;
}

function registerTaskHandlers(server: Server, tasks: AgentTasks, onUnexpected: (error: unknown) => void): void {
  // The SDK types these results outside ServerResult (its own handlers need a cast too).
  type Handler = Parameters<Server['setRequestHandler']>[1];
  const handle = (run: (params: unknown, signal: AbortSignal) => Promise<object>): Handler =>
    ((request: { params?: unknown }, extra: { signal: AbortSignal }) =>
      guard(onUnexpected, () => run(request.params, extra.signal))) as unknown as Handler;
  server.setRequestHandler(
    GetTask,
    handle((params) => tasks.get(params)),
  );
  server.setRequestHandler(
    GetTaskPayload,
    handle((params, signal) => tasks.result(params, signal)),
  );
  server.setRequestHandler(
    ListTasks,
    handle((params) => tasks.list(params)),
  );
  server.setRequestHandler(
    CancelTask,
    handle((params) => tasks.cancel(params)),
  );
}

/** Known errors become JSON-RPC errors that say what is wrong; anything else is logged and answered as internal. */
async function guard<T>(onUnexpected: (error: unknown) => void, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const known = taskCallError(error);
    if (known) throw known;
    onUnexpected(error);
    throw new JsonRpcError(ErrorCode.InternalError, 'internal error; the request was not completed');
  }
}

/**
 * One tool call, for both protocol eras: the result as text and structured content, a known error
 * as a tool error that says what is wrong, anything else logged and answered as internal.
 */
export async function runTool(
  call: ToolCaller,
  tool: Tool,
  args: object,
  signal: AbortSignal,
  onUnexpected: (error: unknown) => void,
): Promise<CallToolResult> {
  try {
    const result = await call(tool, args, signal);
    return {
      content: [{ type: 'text', text: JSON.stringify(result) }],
      structuredContent: result as Record<string, unknown>,
    };
  } catch (error) {
    const known = error instanceof LoopPauseError ? error : storeOutage(error);
    if (known) return toolError(known.message, known.code);
    onUnexpected(error);
    return toolError('internal error; the request was not completed', 'internal');
  }
}

export function toolError(message: string, code = 'invalid_argument'): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: `Error (${code}): ${message}` }] };
}
