import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';

/** The SDK's own client over Streamable HTTP, as Claude Code or Cursor would connect. */
export async function connectMcp(baseUrl: string, apiKey: string): Promise<Client> {
  const client = new Client({ name: 'looppause-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL('/mcp', baseUrl), {
    requestInit: { headers: { Authorization: `Bearer ${apiKey}` } },
  });
  await client.connect(transport);
  return client;
}

/** The JSON a tool returned, checked to equal its structuredContent. */
export function toolJson(result: unknown): Record<string, unknown> {
  const r = result as { content: { type: string; text: string }[]; structuredContent?: unknown; isError?: boolean };
  const first = r.content[0];
  if (first?.type !== 'text') throw new Error('no text content');
  const parsed = JSON.parse(first.text) as Record<string, unknown>;
  if (!r.isError && JSON.stringify(parsed) !== JSON.stringify(r.structuredContent)) {
    throw new Error('content[0].text and structuredContent differ');
  }
  return parsed;
}

export function toolErrorText(result: unknown): string {
  const r = result as { content: { type: string; text: string }[]; isError?: boolean };
  if (!r.isError) throw new Error(`expected a tool error, got ${JSON.stringify(r)}`);
  return r.content[0]?.text ?? '';
}

/** The JSON-RPC error a call was refused with (code and message); throws if it was not refused. */
export async function refusal(call: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await call;
  } catch (error) {
    if (error instanceof McpError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected the call to be refused');
}
