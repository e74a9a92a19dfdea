import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { toolCallDigest } from '../../src/domain/tool-calls.js';
import type { RunningService } from '../../src/main.js';
import { eventually } from '../helpers/eventually.js';
import { TEST_API_KEY } from '../helpers/service.js';

/** The agent: the SDK's own client on one gateway server. */
export async function agent(svc: RunningService, name: string): Promise<Client> {
  const client = new Client({ name: 'agent', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${svc.url}/mcp/gateway/${name}`), {
      requestInit: { headers: { authorization: `Bearer ${TEST_API_KEY}` } },
    }),
  );
  return client;
}

export const resultText = (result: unknown) =>
  ((result as CallToolResult).content[0] as { text: string } | undefined)?.text ?? '';

/** One JSON-RPC request to a gateway server, as any HTTP client could send it. */
export function gatewayPost(svc: RunningService, name: string, body: unknown): Promise<Response> {
  return fetch(`${svc.url}/mcp/gateway/${encodeURIComponent(name)}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${TEST_API_KEY}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export async function auditEvents(
  svc: RunningService,
  pauseId: string,
): Promise<Array<{ type: string; data: Record<string, unknown> }>> {
  const res = await fetch(`${svc.url}/v1/pauses/${pauseId}/events`, {
    headers: { authorization: `Bearer ${TEST_API_KEY}` },
  });
  return ((await res.json()) as { events: Array<{ type: string; data: Record<string, unknown> }> }).events;
}

/** The pending pause a gateway call of `tool` with `input` made, as `svc` sees it. */
export function pendingPause(svc: RunningService, tool: string, input: Record<string, unknown>): Promise<string> {
  const digest = toolCallDigest({ tool, input });
  return eventually(async () => {
    const res = await fetch(`${svc.url}/v1/pauses?status=pending`, {
      headers: { authorization: `Bearer ${TEST_API_KEY}` },
    });
    const items = ((await res.json()) as { items: Array<{ pause_id: string }> }).items;
    for (const item of items) {
      if ((await svc.service.get(item.pause_id))?.action_digest === digest) return item.pause_id;
    }
    return undefined;
  });
}

export function approve(svc: RunningService, pauseId: string) {
  return svc.service.decide(pauseId, {
    decision: 'approved',
    comment: '',
    responder: 'ops@example.com',
    channel: 'email',
    identities: ['ops@example.com'],
  });
}
