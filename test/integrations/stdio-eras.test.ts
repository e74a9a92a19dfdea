import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport as LegacyStdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/main.js';
import { toolJson } from '../helpers/mcp-client.js';
import { startTestService, TEST_API_KEY } from '../helpers/service.js';
import { ACTION } from './stdio-proxy.js';

/**
 * The stdio proxy (`looppause-mcp`, from source) speaks the era its client opens with: the 2.x
 * client negotiating with server/discover gets 2026-07-28
 * (https://modelcontextprotocol.io/specification/2026-07-28/basic/transports/stdio and
 * basic/versioning#protocol-version-negotiation), a 1.x client's initialize gets 2025-11-25.
 */
describe('looppause-mcp over stdio, both protocol eras', () => {
  let running: RunningService;
  const closers: (() => Promise<void>)[] = [];
  const params = () => ({
    command: process.execPath,
    args: ['--import', 'tsx', new URL('../../src/cli/looppause-mcp.ts', import.meta.url).pathname],
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      LOOPPAUSE_API_KEY: TEST_API_KEY,
      LOOPPAUSE_API_URL: running.url,
    },
    stderr: 'pipe' as const,
  });

  beforeAll(async () => {
    running = await startTestService();
  });
  afterAll(async () => {
    await Promise.all(closers.map((close) => close()));
    await running?.close();
  });

  it('negotiates 2026-07-28 with the 2.x client (versionNegotiation auto) and runs the tools through the service', async () => {
    const client = new Client({ name: 'stdio-2026', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
    await client.connect(new StdioClientTransport(params()));
    closers.push(() => client.close());
    expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
    // The 2.x client refuses a tools/list result without ttlMs and cacheScope.
    const { tools } = await client.listTools();
    expect(tools.map((t) => [t.name, t.annotations?.readOnlyHint, t.annotations?.destructiveHint])).toEqual([
      ['request_approval', false, false],
      ['check_approval', true, undefined],
      ['cancel_approval', false, true],
    ]);
    const created = toolJson(
      await client.callTool({ name: 'request_approval', arguments: { ...ACTION, recipient_email: 'ops@example.com' } }),
    );
    expect(created).toMatchObject({ status: 'pending', pause_id: expect.stringMatching(/^pse_/) });
    const checked = toolJson(
      await client.callTool({ name: 'check_approval', arguments: { pause_id: created.pause_id } }),
    );
    expect(checked).toMatchObject({ pause_id: created.pause_id, status: 'pending' });
  });

  it('answers a 1.x client on 2025-11-25, as before', async () => {
    const client = new LegacyClient({ name: 'stdio-2025', version: '1.0.0' });
    await client.connect(new LegacyStdioClientTransport(params()));
    closers.push(() => client.close());
    expect(client.getServerVersion()?.name).toBe('looppause');
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.title)).toEqual([
      'Ask a human to approve an action',
      'Check whether a human decided',
      'Withdraw an approval request',
    ]);
    const bad = await client.callTool({ name: 'check_approval', arguments: { pause_id: 'nope' } });
    expect(bad.isError).toBe(true);
  });
});
