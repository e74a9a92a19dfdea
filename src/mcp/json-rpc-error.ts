import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { LoopPauseError } from '../domain/errors.js';
import { storeOutage } from '../store/unavailable.js';

// Its own module, free of the store: the stdio proxy (packages/mcp) loads server.ts, which uses these.

/**
 * A JSON-RPC error for the SDK to send as it is. (`McpError` puts "MCP error <code>: " in its own
 * message, which the SDK then sends, so the client's McpError would say it twice.)
 */
export class JsonRpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'JsonRpcError';
  }
}

/** The JSON-RPC error a LoopPause error becomes on task calls (they have no tool-error form). */
export function taskCallError(error: unknown): JsonRpcError | undefined {
  if (error instanceof JsonRpcError) return error;
  const known = error instanceof LoopPauseError ? error : storeOutage(error);
  if (!known) return undefined;
  const code =
    known.code === 'invalid_argument' || known.code === 'not_found' || known.code === 'conflict'
      ? ErrorCode.InvalidParams
      : ErrorCode.InternalError;
  return new JsonRpcError(code, `${known.code}: ${known.message}`);
}
