import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { type Request, type RequestHandler, type Response, Router } from 'express';
import type { Logger } from 'pino';
import type { ApprovalService } from '../service/approvals.js';
import { errorSummary } from '../service/task-runner.js';
import { createMcpServer } from './server.js';

/**
 * POST /mcp, stateless Streamable HTTP: a fresh server and transport per request, no session map,
 * so any replica answers any request. JSON responses (no SSE stream) keep per-request cost low.
 */
export function mcpRouter(service: ApprovalService, logger: Logger): Router {
  const router = Router();
  const onUnexpected = (error: unknown) => logger.error({ err: errorSummary(error) }, 'MCP tool failed');

  router.post('/', async (req: Request, res: Response) => {
    const agentId = res.locals.agentId as string;
    const server = createMcpServer((tool, args, signal) => tool.run({ service, agentId, signal }, args), onUnexpected);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  });

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
