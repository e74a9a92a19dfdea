import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, type CallToolResult, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { LoopPauseError } from '../domain/errors.js';
import { storeOutage } from '../store/unavailable.js';
import { VERSION } from '../version.js';
import { listEntry, type Tool } from './tool.js';
import { tools } from './tools/index.js';

/** Runs one tool; the HTTP server calls the service, the stdio proxy calls the REST API. */
export type ToolCaller = (tool: Tool, args: unknown, signal: AbortSignal) => Promise<object>;

const listed = { tools: tools.map(listEntry) };
const byName = new Map(tools.map((t) => [t.name, t]));

const SERVER_INFO = { name: 'looppause', version: VERSION };

const INSTRUCTIONS =
  'LoopPause lets you ask a human before an action you cannot undo. Call request_approval, then ' +
  'check_approval (with wait_seconds) until a human decides. Never act on "pending", "rejected", ' +
  '"timed_out" or "expired".';

/**
 * One validator for every server: the SDK builds a new Ajv per Server by default, which cost about
 * a tenth of each stateless request. It only checks elicitation answers, which LoopPause never asks.
 */
const jsonSchemaValidator = new AjvJsonSchemaValidator();

/** A fresh low-level server per request (stateless); the tool list is precomputed once. */
export function createMcpServer(call: ToolCaller, onUnexpected: (error: unknown) => void): Server {
  const server = new Server(SERVER_INFO, {
    capabilities: { tools: {} },
    instructions: INSTRUCTIONS,
    jsonSchemaValidator,
  });
  server.setRequestHandler(ListToolsRequestSchema, () => listed);
  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const tool = byName.get(request.params.name);
    if (!tool)
      return toolError(`unknown tool ${JSON.stringify(request.params.name)}; use ${[...byName.keys()].join(', ')}`);
    try {
      const result = await call(tool, request.params.arguments ?? {}, extra.signal);
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
  });
  return server;
}

export function toolError(message: string, code = 'invalid_argument'): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: `Error (${code}): ${message}` }] };
}
