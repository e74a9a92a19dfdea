import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/main.js';
import { toolJson } from '../helpers/mcp-client.js';
import { startTestService, TEST_API_KEY } from '../helpers/service.js';

/** Interop: the 2.x client line (@modelcontextprotocol/client) against the server with tasks on. */
describe('the 2.x MCP client (@modelcontextprotocol/client)', () => {
  let running: RunningService;
  let client: Client;

  beforeAll(async () => {
    running = await startTestService();
    client = new Client({ name: 'looppause-interop-2x', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL('/mcp', running.url), {
        requestInit: { headers: { Authorization: `Bearer ${TEST_API_KEY}` } },
      }),
    );
  });
  afterAll(async () => {
    await client?.close();
    await running?.close();
  });

  it('lists the tools, request_approval with its task hint', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['request_approval', 'check_approval', 'cancel_approval']);
    expect(tools[0]?.execution?.taskSupport).toBe('optional');
  });

  it('calls the three tools as before (results checked against the output schemas by the client)', async () => {
    const created = toolJson(
      await client.callTool({
        name: 'request_approval',
        arguments: {
          action_description: 'Purge the CDN cache',
          action_details: {},
          recipient_email: 'ops@example.com',
        },
      }),
    );
    expect(created).toMatchObject({ status: 'pending', pause_id: expect.stringMatching(/^pse_/) });
    const checked = toolJson(
      await client.callTool({ name: 'check_approval', arguments: { pause_id: created.pause_id } }),
    );
    expect(checked).toMatchObject({ pause_id: created.pause_id, status: 'pending' });
    const cancelled = toolJson(
      await client.callTool({ name: 'cancel_approval', arguments: { pause_id: created.pause_id } }),
    );
    expect(cancelled).toMatchObject({ cancelled: true, status: 'expired' });
    const bad = await client.callTool({ name: 'check_approval', arguments: { pause_id: 42 } });
    expect(bad.isError).toBe(true);
  });
});
