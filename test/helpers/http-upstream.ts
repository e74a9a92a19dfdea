import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

/**
 * A Streamable HTTP MCP server built with the SDK, standing in for a remote upstream (GitHub's, a
 * company's): it answers only with its bearer token, and counts what it was asked to do.
 */
export interface HttpUpstream {
  url: string;
  /** Every call of a tool that changes something, with its arguments, in order. */
  deleted: Array<Record<string, unknown>>;
  /** How many tools/list requests reached this server. */
  readonly listRequests: number;
  /** Calls of `slow` that are waiting; release one by calling it. */
  slowWaiting: Array<() => void>;
  /** Closes every open connection (as a crashing upstream would) but keeps listening. */
  dropConnections(): void;
  stop(): Promise<void>;
}

export interface HttpUpstreamOptions {
  token: string;
  /** Extra tools named tool_0 … tool_<n-1> (all read-only). */
  extraTools?: number;
  /** Tools with names and schemas no gateway should pass on. */
  hostile?: boolean;
}

/** 50 KB of description, markup first. */
export const HUGE_DESCRIPTION = `<script>alert(1)</script><!channel> *bold* ${'x'.repeat(50_000)}`;

/** The tools a hostile upstream lists that MCP's rules or the gateway's limits forbid: none may pass. */
export const HOSTILE_TOOLS: readonly unknown[] = [
  { name: 'bad name!', inputSchema: { type: 'object' } },
  { name: 'mcp__other__tool<script>', inputSchema: { type: 'object' } },
  { name: 'new\nline', inputSchema: { type: 'object' } },
  { name: '', inputSchema: { type: 'object' } },
  { name: 'ünïcode', inputSchema: { type: 'object' } },
  { name: 'a'.repeat(300), inputSchema: { type: 'object' } },
  { name: 'no_schema' },
  { name: 'array_schema', inputSchema: { type: 'array' } },
  { name: 'string_schema', inputSchema: 'object' },
  { name: 'null_schema', inputSchema: null },
  { name: 'huge_schema', inputSchema: { type: 'object', description: 'y'.repeat(70_000) } },
  { name: 'bad_properties', inputSchema: { type: 'object', properties: 'id' } },
  { name: 'bad_required', inputSchema: { type: 'object', required: 'id' } },
  { name: 42, inputSchema: { type: 'object' } },
  'not a tool',
  null,
];

/** What the hostile upstream lists beside HOSTILE_TOOLS (the tools it really has, as JSON Schema). */
const GOOD_TOOLS = [
  {
    name: 'lookup',
    description: 'Reads a record',
    inputSchema: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
    annotations: { readOnlyHint: true },
  },
  {
    name: 'delete_record',
    description: 'Deletes a record',
    inputSchema: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
    annotations: { destructiveHint: true },
  },
  {
    name: 'huge_description',
    description: HUGE_DESCRIPTION,
    inputSchema: { type: 'object', properties: { note: { type: 'string' } } },
  },
  {
    // Kept, but without the output schema no client could read.
    name: 'bad_output',
    inputSchema: { type: 'object' },
    outputSchema: { type: 'object', properties: 'nope' },
    annotations: { readOnlyHint: true },
  },
];

export async function startHttpUpstream(options: HttpUpstreamOptions): Promise<HttpUpstream> {
  const deleted: Array<Record<string, unknown>> = [];
  const slowWaiting: Array<() => void> = [];
  let listRequests = 0;
  const build = () => {
    const server = new McpServer({ name: 'records', version: '1.0.0' });
    server.registerTool(
      'lookup',
      { description: 'Reads a record', inputSchema: { id: z.string() }, annotations: { readOnlyHint: true } },
      async ({ id }) => ({ content: [{ type: 'text', text: `record ${id}` }] }),
    );
    server.registerTool(
      'delete_record',
      { description: 'Deletes a record', inputSchema: { id: z.string() }, annotations: { destructiveHint: true } },
      async (args) => {
        deleted.push(args);
        return { content: [{ type: 'text', text: `deleted ${args.id}` }] };
      },
    );
    server.registerTool('slow', { description: 'Waits until released', inputSchema: { id: z.string() } }, async () => {
      await new Promise<void>((resolve) => slowWaiting.push(resolve));
      return { content: [{ type: 'text', text: 'slow done' }] };
    });
    for (let i = 0; i < (options.extraTools ?? 0); i++) {
      server.registerTool(
        `tool_${i}`,
        { description: `Extra tool ${i}`, inputSchema: {}, annotations: { readOnlyHint: true } },
        async () => ({ content: [{ type: 'text', text: `tool ${i}` }] }),
      );
    }
    if (options.hostile) {
      server.registerTool(
        'huge_description',
        { description: HUGE_DESCRIPTION, inputSchema: { note: z.string().optional() }, annotations: {} },
        async (args) => {
          deleted.push({ huge_description: args });
          return { content: [{ type: 'text', text: 'ok' }] };
        },
      );
    }
    return server;
  };
  const sockets = new Set<import('node:net').Socket>();
  const http: Server = createServer(async (req, res) => {
    if (req.headers.authorization !== `Bearer ${options.token}`) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unauthorized"}');
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    let text = '';
    for await (const chunk of req) text += chunk;
    const body = JSON.parse(text) as Record<string, unknown>;
    if (body.method === 'tools/list') listRequests++;
    if (options.hostile && body.method === 'tools/list') {
      // Answered by hand: entries the SDK would never let a server register, among good ones.
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ jsonrpc: '2.0', id: body.id, result: { tools: [...GOOD_TOOLS, ...HOSTILE_TOOLS] } }));
      return;
    }
    const server = build();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  });
  http.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    deleted,
    get listRequests() {
      return listRequests;
    },
    slowWaiting,
    dropConnections: () => {
      for (const socket of sockets) socket.destroy();
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        http.close(() => resolve());
      }),
  };
}
