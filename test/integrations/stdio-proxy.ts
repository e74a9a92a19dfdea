import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyDecision } from '../../src/domain/signing.js';
import type { RunningService } from '../../src/main.js';
import { runProcess } from '../helpers/cli.js';
import { connectMcp, toolErrorText, toolJson } from '../helpers/mcp-client.js';
import type { InstalledPackage } from '../helpers/packed.js';
import { freePort } from '../helpers/redis-server.js';
import { startTestService, TEST_API_KEY, TEST_SIGNING_SECRET } from '../helpers/service.js';

export const ACTION = { action_description: 'Delete 3 stale DNS records', action_details: { zone: 'example.com' } };

export interface StdioProxy {
  pkg: InstalledPackage;
  running: RunningService;
  /** The SDK's own client over stdio, to `command` (default: the installed `looppause-mcp` bin). */
  stdioClient(env: Record<string, string>, command?: string, args?: string[]): Promise<Client>;
  /** A client of the bin pointed at the test service with a valid key. */
  proxied(): Promise<Client>;
}

/**
 * A packed package as users get it (installed into an empty folder, its `looppause-mcp` bin started
 * over stdio against a test service): the scenarios every package shipping the bin must pass, then
 * the package's own checks in `more`.
 */
export function describeStdioProxy(
  name: string,
  install: () => Promise<InstalledPackage>,
  more: (proxy: () => StdioProxy) => void,
): void {
  describe(name, () => {
    let proxy: StdioProxy;
    const clients: Client[] = [];

    beforeAll(async () => {
      const [pkg, running] = await Promise.all([install(), startTestService()]);
      const stdioClient = async (
        env: Record<string, string>,
        command = pkg.bin('looppause-mcp'),
        args: string[] = [],
      ) => {
        const client = new Client({ name: 'stdio-test', version: '1.0.0' });
        const transport = new StdioClientTransport({
          command,
          args,
          cwd: pkg.appDir,
          env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
          stderr: 'pipe',
        });
        await client.connect(transport);
        clients.push(client);
        return client;
      };
      const proxied = () => stdioClient({ LOOPPAUSE_API_KEY: TEST_API_KEY, LOOPPAUSE_API_URL: running.url });
      proxy = { pkg, running, stdioClient, proxied };
    }, 120_000);
    afterAll(async () => {
      await Promise.all(clients.map((c) => c.close()));
      await proxy?.running.close();
    });

    it('lists the same tools, with the same schemas, as the HTTP server', async () => {
      const [overStdio, overHttp] = await Promise.all([
        (await proxy.proxied()).listTools(),
        (await connectMcp(proxy.running.url, TEST_API_KEY)).listTools(),
      ]);
      expect(overStdio.tools.map((t) => t.name).sort()).toEqual([
        'cancel_approval',
        'check_approval',
        'request_approval',
      ]);
      // Over HTTP request_approval can also run as an MCP task: `execution`, and an output schema that
      // admits the task's result besides its own. The proxy does not pass tasks through (README), so
      // it lists the tools exactly as they were before tasks.
      const withoutTaskHints = overHttp.tools.map(({ execution, ...tool }) => {
        if (!execution) return tool;
        const [own] = (tool.outputSchema?.anyOf ?? []) as unknown[];
        return { ...tool, outputSchema: own };
      });
      expect(overStdio.tools).toEqual(withoutTaskHints);
    });

    it('request and check round trip through the service, with the signed decision', async () => {
      const client = await proxy.proxied();
      const created = toolJson(
        await client.callTool({
          name: 'request_approval',
          arguments: { ...ACTION, recipient_email: 'ops@example.com' },
        }),
      );
      expect(created).toMatchObject({ status: 'pending' });
      const pauseId = String(created.pause_id);
      const checked = toolJson(await client.callTool({ name: 'check_approval', arguments: { pause_id: pauseId } }));
      expect(checked).toMatchObject({ pause_id: pauseId, status: 'pending' });

      const waiting = client.callTool({ name: 'check_approval', arguments: { pause_id: pauseId, wait_seconds: 20 } });
      await new Promise((r) => setTimeout(r, 200));
      await proxy.running.service.decide(pauseId, {
        decision: 'approved',
        comment: 'go',
        responder: 'ops@example.com',
        channel: 'email',
        identities: [],
      });
      const decided = toolJson(await waiting) as { status: string; response: unknown };
      expect(decided.status).toBe('responded');
      expect(verifyDecision(TEST_SIGNING_SECRET, decided.response, { pause_id: pauseId, action: ACTION })).toEqual({
        ok: true,
      });
    });

    it("passes the service's errors through intact: validation, not found, unauthorized", async () => {
      const client = await proxy.proxied();
      const http = await connectMcp(proxy.running.url, TEST_API_KEY);
      const bad = { action_description: '', action_details: { a: 1 }, recipient_email: 'not-an-address' };
      const viaStdio = toolErrorText(await client.callTool({ name: 'request_approval', arguments: bad }));
      const viaHttp = toolErrorText(await http.callTool({ name: 'request_approval', arguments: bad }));
      expect(viaStdio).toBe(viaHttp);
      expect(viaStdio).toContain('action_description');

      const unknown = toolErrorText(
        await client.callTool({ name: 'check_approval', arguments: { pause_id: 'pse_aaaaaaaaaaaaaaaaaaaaaaaaaa' } }),
      );
      expect(unknown).toMatch(/not[_ ]found/i);

      const wrongKey = await proxy.stdioClient({
        LOOPPAUSE_API_KEY: 'wrong-key-0123456789abcdef',
        LOOPPAUSE_API_URL: proxy.running.url,
      });
      const denied = toolErrorText(
        await wrongKey.callTool({ name: 'request_approval', arguments: { ...ACTION, recipient_email: 'a@b.io' } }),
      );
      expect(denied).toMatch(/unauthorized|api key/i);
    });

    it('service down: a tool error saying so, bad arguments still named, and the process stays up', async () => {
      const port = await freePort();
      const client = await proxy.stdioClient({
        LOOPPAUSE_API_KEY: TEST_API_KEY,
        LOOPPAUSE_API_URL: `http://127.0.0.1:${port}`,
      });
      const down = toolErrorText(
        await client.callTool({ name: 'check_approval', arguments: { pause_id: 'pse_aaaaaaaaaaaaaaaaaaaaaaaaaa' } }),
      );
      expect(down).toContain(`cannot reach the LoopPause service at http://127.0.0.1:${port}`);
      const bad = toolErrorText(
        await client.callTool({ name: 'request_approval', arguments: { ...ACTION, recipient_email: 'nope' } }),
      );
      expect(bad).toContain('recipient_email');
      expect((await client.listTools()).tools).toHaveLength(3);
    });

    it('without LOOPPAUSE_API_KEY: exits non-zero with one line on stderr naming it, nothing on stdout', async () => {
      const { code, stdout, stderr } = await runProcess(proxy.pkg.bin('looppause-mcp'), []);
      expect(code).not.toBe(0);
      expect(stdout).toBe('');
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toContain('LOOPPAUSE_API_KEY');
    });

    more(() => proxy);
  });
}
