import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/main.js';
import { startTestService, TEST_API_KEY } from '../helpers/service.js';

/** A hand-written upstream whose one tool answers a result nested 50,000 levels deep. */
function deepUpstream(): Promise<{ url: string; calls: () => number; stop: () => Promise<void> }> {
  let calls = 0;
  const deep = `${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`;
  const server: Server = createServer(async (req, res) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    if (req.method !== 'POST') return void res.writeHead(405).end();
    const message = JSON.parse(text) as { id?: number; method: string };
    if (message.id === undefined) return void res.writeHead(202).end();
    const answer = (result: string) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`{"jsonrpc":"2.0","id":${message.id},"result":${result}}`);
    };
    if (message.method === 'initialize') {
      return answer(
        '{"protocolVersion":"2025-11-25","capabilities":{"tools":{}},"serverInfo":{"name":"deep","version":"1"}}',
      );
    }
    if (message.method === 'tools/list') {
      return answer('{"tools":[{"name":"dig","inputSchema":{"type":"object"}}]}');
    }
    calls++;
    return answer(`{"content":[{"type":"text","text":"x"}],"structuredContent":${deep}}`);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}/mcp`,
        calls: () => calls,
        stop: () => new Promise<void>((done) => server.close(() => done())),
      });
    }),
  );
}

describe('an upstream answering a result nested too deep', () => {
  const tmp = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'gateway-deep-'));
  let upstream: Awaited<ReturnType<typeof deepUpstream>>;
  let svc: RunningService;
  beforeAll(async () => {
    upstream = await deepUpstream();
    writeFileSync(
      join(tmp, 'policy.yaml'),
      'rules:\n  - name: dig\n    when: { tool: "mcp__deep__dig" }\n    decide: approved\n',
    );
    writeFileSync(join(tmp, 'gateway.yaml'), `servers:\n  deep: { url: ${JSON.stringify(upstream.url)} }\n`);
    svc = await startTestService({
      LOOPPAUSE_POLICY_FILE: join(tmp, 'policy.yaml'),
      LOOPPAUSE_GATEWAY_FILE: join(tmp, 'gateway.yaml'),
    });
  });
  afterAll(async () => {
    await svc?.close();
    await upstream?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('is a tool error, and the approved call is on the audit log as forwarded and failed', async () => {
    const agent = new Client({ name: 'agent', version: '1.0.0' });
    await agent.connect(
      new StreamableHTTPClientTransport(new URL(`${svc.url}/mcp/gateway/deep`), {
        requestInit: { headers: { authorization: `Bearer ${TEST_API_KEY}` } },
      }),
    );
    try {
      const result = (await agent.callTool({ name: 'dig', arguments: {} })) as CallToolResult;
      expect(result.isError).toBe(true);
      expect(upstream.calls()).toBe(1);
      const list = await fetch(`${svc.url}/v1/pauses`, { headers: { authorization: `Bearer ${TEST_API_KEY}` } });
      const [pause] = ((await list.json()) as { items: Array<{ pause_id: string }> }).items;
      const events = await fetch(`${svc.url}/v1/pauses/${pause?.pause_id}/events`, {
        headers: { authorization: `Bearer ${TEST_API_KEY}` },
      });
      const forwarded = (
        (await events.json()) as { events: Array<{ type: string; data: { failed?: string } }> }
      ).events.filter((e) => e.type === 'tool.forwarded');
      expect(forwarded).toHaveLength(1);
      expect(forwarded[0]?.data.failed).toBeTruthy();
      // The service is still up.
      expect((await fetch(`${svc.url}/healthz`)).status).toBe(200);
    } finally {
      await agent.close();
    }
  });
});
