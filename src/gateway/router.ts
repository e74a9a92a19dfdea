import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { type Request, type Response, Router } from 'express';
import type { Logger } from 'pino';
import { errorSummary } from '../domain/errors.js';
import { callThroughGateway } from './call-tool.js';
import type { Gateway } from './gateway.js';
import { gatewayServer } from './mcp-server.js';
import { type GatewayTaskDeps, GatewayTasks } from './tasks.js';

export interface GatewayRouterOptions {
  gateway: Gateway;
  /** What a call uses; with the task store too, a call may run as an MCP task (tasks.ts). */
  calls: GatewayTaskDeps;
  logger: Logger;
}

/**
 * `POST /mcp/gateway/<name>`: the upstream server `<name>` behind LoopPause, stateless Streamable
 * HTTP (a server and transport per request), under the same API keys as /mcp. tools/list passes
 * the upstream's tools on; tools/call goes through the operator's policy first (call-tool.ts).
 * A call that may wait for a human answers as an SSE stream, so it can carry progress.
 */
export function gatewayRouter({ gateway, calls, logger }: GatewayRouterOptions): Router {
  const router = Router();

  router.post('/:name', async (req: Request, res: Response) => {
    const upstream = gateway.upstream(String(req.params.name));
    if (!upstream) {
      res.status(404).json({
        jsonrpc: '2.0',
        id: (req.body as { id?: unknown } | undefined)?.id ?? null,
        error: {
          code: -32601,
          message: `no gateway server named ${JSON.stringify(String(req.params.name).slice(0, 40))}`,
        },
      });
      return;
    }
    const agentId = res.locals.agentId as string;
    const server = gatewayServer(
      upstream,
      (name, args, { signal, progress }) =>
        callThroughGateway(calls, agentId, upstream, name, args, { signal, ...(progress ? { progress } : {}) }),
      (_name, error) => {
        logger.error({ err: errorSummary(error), upstream: upstream.name }, 'gateway call failed');
        throw new McpError(ErrorCode.InternalError, 'the gateway could not complete this call');
      },
      new GatewayTasks(
        {
          ...calls,
          onFailure: (error) =>
            logger.error({ err: errorSummary(error), upstream: upstream.name }, 'gateway task call failed'),
        },
        agentId,
        upstream,
      ),
    );
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      // A JSON answer unless the client asked for progress on a tools/call: only then is there
      // anything to tell it while a human decides (the event stream costs a pass-through call
      // about as much again as the rest of the gateway).
      enableJsonResponse: !wantsProgress(req.body),
    });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  });

  return router;
}

/** A tools/call that carries a progressToken (a batch counts if any of its requests does). */
function wantsProgress(body: unknown): boolean {
  if (Array.isArray(body)) return body.some(wantsProgress);
  if (typeof body !== 'object' || body === null) return false;
  const { method, params } = body as { method?: unknown; params?: { _meta?: { progressToken?: unknown } } };
  return method === 'tools/call' && params?._meta?.progressToken !== undefined;
}
