import { type RequestHandler, Router } from 'express';
import type { Logger } from 'pino';
import { errorSummary } from '../domain/errors.js';
import type { ApprovalService } from '../use-cases/approval-service.js';
import { isLegacyEra, mcpEraHandler } from './eras.js';
import { createModernMcpServer } from './modern-server.js';
import { createMcpServer, toolError } from './server.js';
import type { McpTasks } from './tasks.js';

export interface McpRouterOptions {
  service: ApprovalService;
  /** MCP tasks over this service's pauses; without them /mcp declares no `tasks` capability. */
  tasks?: McpTasks | undefined;
  /** An operator policy routes requests: request_approval's description says so. */
  policyRoutes?: boolean;
  logger: Logger;
}

/**
 * POST /mcp, stateless, in both protocol eras (2025-11-25 and 2026-07-28, see eras.ts): a fresh
 * server per request, no session map, so any replica answers any request. JSON responses (no SSE
 * stream) keep per-request cost low.
 */
export function mcpRouter({ service, tasks, policyRoutes = false, logger }: McpRouterOptions): Router {
  const router = Router();
  const onUnexpected = (error: unknown) => logger.error({ err: errorSummary(error) }, 'MCP tool failed');

  router.post(
    '/',
    mcpEraHandler({
      legacy: (agentId) =>
        createMcpServer(
          (tool, args, signal) => tool.run({ service, agentId, signal }, args),
          onUnexpected,
          tasks?.forAgent(agentId),
          { policyRoutes },
        ),
      modern: (agentId) =>
        createModernMcpServer(
          (tool, args, signal) => tool.run({ service, agentId, signal }, args),
          onUnexpected,
          tasks?.forAgent(agentId),
          { policyRoutes },
        ),
      onError: (error) => logger.debug({ err: errorSummary(error) }, 'MCP 2026-07-28 request refused'),
    }),
  );

  return router;
}

/** GET (standalone SSE stream) and DELETE (session end) make no sense without sessions. */
export const mcpMethodGuard: RequestHandler = (req, res, next) => {
  if (req.method === 'POST') {
    next();
    return;
  }
  res
    .status(405)
    .setHeader('Allow', 'POST')
    .json({
      jsonrpc: '2.0',
      error: { code: -32000, message: 'Method not allowed: this server is stateless, use POST.' },
      id: null,
    });
};

/**
 * MCP 2025-06-18 removed JSON-RPC batching. Refusing arrays also keeps one HTTP request to one
 * tool call, so the rate limit and the waiting long-poll cap count calls, not requests.
 */
export const refuseBatches: RequestHandler = (req, res, next) => {
  if (!Array.isArray(req.body)) {
    next();
    return;
  }
  res.status(400).json({
    jsonrpc: '2.0',
    error: { code: -32600, message: 'Invalid Request: JSON-RPC batches are not supported; send one message per POST.' },
    id: null,
  });
};

/**
 * A tools/call whose `arguments` is not an object fails the SDK's own request schema, which answers
 * with its validation dump as an internal error. Answer as any other bad argument: a tool error.
 */
export const requireObjectArguments: RequestHandler = (req, res, next) => {
  // 2026-07-28 requests are checked by the 2.x server, which answers in that era's shapes.
  if (!isLegacyEra(req)) {
    next();
    return;
  }
  const body = req.body as
    | { method?: unknown; id?: unknown; params?: { name?: unknown; arguments?: unknown; task?: unknown } }
    | undefined;
  if (body?.method === 'tools/call' && typeof body.params?.name !== 'string') {
    // The same dump again for a missing or non-string tool name: a bad request, named.
    res.json({
      jsonrpc: '2.0',
      id: body.id ?? null,
      error: { code: -32602, message: 'name: must be the name of a tool (a string), as tools/list gives it' },
    });
    return;
  }
  const task = body?.params?.task;
  if (body?.method === 'tools/call' && task !== undefined && !isTaskParams(task)) {
    // Same reason: the SDK's schema would answer with its dump. A bad `task` is a bad request, not a tool error.
    res.json({
      jsonrpc: '2.0',
      id: body.id ?? null,
      error: { code: -32602, message: 'task: must be an object, {} or {"ttl": milliseconds}' },
    });
    return;
  }
  const args = body?.params?.arguments;
  const isObject = typeof args === 'object' && args !== null && !Array.isArray(args);
  if (body?.method !== 'tools/call' || args === undefined || isObject) {
    next();
    return;
  }
  res.json({ jsonrpc: '2.0', id: body.id ?? null, result: toolError('arguments must be a JSON object') });
};

function isTaskParams(task: unknown): boolean {
  if (typeof task !== 'object' || task === null || Array.isArray(task)) return false;
  const ttl = (task as { ttl?: unknown }).ttl;
  return ttl === undefined || (typeof ttl === 'number' && Number.isFinite(ttl));
}
