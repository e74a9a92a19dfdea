import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { Server as LegacyServer } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { classifyInboundRequest, createMcpHandler, type Server as ModernServer } from '@modelcontextprotocol/server';
import type { Request, RequestHandler, Response } from 'express';

/**
 * One MCP endpoint serving both protocol eras, statelessly: every request gets its own server, so
 * any replica answers any request and nothing lives between requests.
 *
 * - 2025-11-25 (an `initialize`, or any request without the per-request `_meta` envelope) is served
 *   by `legacy`, a server of the 1.x SDK over its stateless Streamable HTTP transport, exactly as
 *   before 2026-07-28 existed.
 * - 2026-07-28 (the envelope: `server/discover`, then any request carrying its protocol version and
 *   capabilities, with the `MCP-Protocol-Version`, `Mcp-Method` and `Mcp-Name` headers) is served
 *   by `modern`, a server of the 2.x SDK (`@modelcontextprotocol/server`), whose handler checks the
 *   envelope and the headers and answers their errors.
 *
 * The era is the SDK's own classification (`classifyInboundRequest`, which `createMcpHandler`
 * runs too), so the two can never disagree about a request.
 *
 * Both factories are given the caller's API key id (`res.locals.agentId`, set by authentication).
 * Mount the result after authentication and `express.json()`, as `/mcp` does; another endpoint
 * with its own tools passes its own factories.
 */
export interface McpEraServers {
  legacy(agentId: string): LegacyServer;
  modern(agentId: string): ModernServer;
  /** Out-of-band errors of the 2.x handler (reporting only). */
  onError?: (error: Error) => void;
}

/** Whether the 2025-11-25 server answers this request (parsed body and headers). */
export function isLegacyEra(req: Request): boolean {
  const cached = (req as { mcpEra?: 'legacy' | 'modern' }).mcpEra;
  if (cached) return cached === 'legacy';
  const outcome = classifyInboundRequest({
    httpMethod: req.method,
    protocolVersionHeader: req.get('mcp-protocol-version'),
    mcpMethodHeader: req.get('mcp-method'),
    mcpNameHeader: req.get('mcp-name'),
    body: req.body,
  });
  const era = outcome.kind === 'legacy' ? 'legacy' : 'modern';
  (req as { mcpEra?: 'legacy' | 'modern' }).mcpEra = era;
  return era === 'legacy';
}

export function mcpEraHandler(servers: McpEraServers): RequestHandler {
  // One 2.x handler per endpoint: it holds no state between requests, only its factory.
  const modern = createMcpHandler(
    ({ authInfo }) => servers.modern(authInfo?.clientId ?? ''),
    // 2025-era traffic never reaches it: it is routed to the 1.x server below.
    { legacy: 'reject', ...(servers.onError ? { onerror: servers.onError } : {}) },
  );

  return async (req: Request, res: Response) => {
    const agentId = res.locals.agentId as string;
    if (isLegacyEra(req)) {
      await serveLegacy(servers.legacy(agentId), req, res);
      return;
    }
    const aborted = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) aborted.abort();
    });
    const response = await modern.fetch(toWebRequest(req, aborted.signal), {
      parsedBody: req.body,
      authInfo: { token: '', clientId: agentId, scopes: [] },
    });
    await sendWebResponse(response, res);
  };
}

async function serveLegacy(server: LegacyServer, req: Request, res: Response): Promise<void> {
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  res.on('close', () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res, req.body);
}

/** The request as the 2.x handler reads it: its headers, and the body already parsed (passed beside it). */
function toWebRequest(req: Request, signal: AbortSignal): globalThis.Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }
  // The body was read by express.json(); its length no longer describes what is sent here.
  headers.delete('content-length');
  headers.delete('transfer-encoding');
  const url = new URL(req.originalUrl, `${req.protocol}://${req.get('host') ?? 'localhost'}`);
  return new globalThis.Request(url, {
    method: req.method,
    headers,
    body: req.method === 'POST' ? JSON.stringify(req.body ?? null) : null,
    signal,
  });
}

async function sendWebResponse(response: globalThis.Response, res: Response): Promise<void> {
  res.status(response.status);
  response.headers.forEach((value, name) => {
    res.setHeader(name, value);
  });
  if (!response.body) {
    res.end();
    return;
  }
  await new Promise<void>((resolve) => {
    const body = Readable.fromWeb(response.body as unknown as NodeReadableStream);
    body.on('error', () => {
      res.destroy();
      resolve();
    });
    res.on('close', resolve);
    body.pipe(res);
  });
}
