import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  type CallToolResult,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
} from '@modelcontextprotocol/sdk/types.js';
import { VERSION } from '../version.js';
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
export function gatewayServer(
  upstream: Pick<Upstream, 'name' | 'listTools'>,
  call: GatewayToolCall,
  onFailure: (name: string, error: unknown) => CallToolResult,
): Server {
  const server = new Server(
    { name: `looppause-gateway-${upstream.name}`, version: VERSION },
    { capabilities: { tools: {} } },
  );
  server.setRequestHandler(ListToolsRequestSchema, async () => {
    try {
      return { tools: await upstream.listTools() };
    } catch (error) {
      if (error instanceof UpstreamError) throw new McpError(ErrorCode.InternalError, error.message);
      throw error;
    }
  });
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
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
