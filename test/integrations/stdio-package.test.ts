import { readFile } from 'node:fs/promises';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionDigest, signDecision, verifyDecision } from '../../src/domain/signing.js';
import type { RunningService } from '../../src/main.js';
import { runProcess } from '../helpers/cli.js';
import { connectMcp, toolErrorText, toolJson } from '../helpers/mcp-client.js';
import { type InstalledPackage, packAndInstall } from '../helpers/packed.js';
import { freePort } from '../helpers/redis-server.js';
import { startTestService, TEST_API_KEY, TEST_SIGNING_SECRET } from '../helpers/service.js';

const ACTION = { action_description: 'Delete 3 stale DNS records', action_details: { zone: 'example.com' } };

/** The package as users get it: packed, installed into an empty folder, started by its bin over stdio. */
describe('looppause-mcp from the packed package', () => {
  let pkg: InstalledPackage;
  let running: RunningService;
  const clients: Client[] = [];

  beforeAll(async () => {
    [pkg, running] = await Promise.all([packAndInstall(), startTestService()]);
  }, 240_000);
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await running?.close();
  });

  const stdioClient = async (env: Record<string, string>) => {
    const client = new Client({ name: 'stdio-test', version: '1.0.0' });
    const transport = new StdioClientTransport({
      command: pkg.bin('looppause-mcp'),
      env: { PATH: process.env.PATH ?? '', ...env },
      stderr: 'pipe',
    });
    await client.connect(transport);
    clients.push(client);
    return client;
  };
  const proxied = () => stdioClient({ LOOPPAUSE_API_KEY: TEST_API_KEY, LOOPPAUSE_API_URL: running.url });

  it('ships built JS with shebangs and no tests, sources or secrets', async () => {
    for (const bin of ['looppause', 'looppause-mcp'] as const) {
      expect((await readFile(pkg.bin(bin), 'utf8')).split('\n')[0]).toBe('#!/usr/bin/env node');
    }
    expect(pkg.files).toContain('dist/src/cli/looppause-mcp.js');
    expect(pkg.files).toContain('dist/src/index.d.ts');
    expect(pkg.files.some((f) => f.startsWith('dist/src/store/lua/'))).toBe(true);
    expect(
      pkg.files.filter((f) => /^(test|src|bench|\.looppause)\/|\.env|\.ts$/.test(f) && !f.endsWith('.d.ts')),
    ).toEqual([]);
  });

  it('lists the same tools, with the same schemas, as the HTTP server', async () => {
    const [overStdio, overHttp] = await Promise.all([
      (await proxied()).listTools(),
      (await connectMcp(running.url, TEST_API_KEY)).listTools(),
    ]);
    expect(overStdio.tools.map((t) => t.name).sort()).toEqual([
      'cancel_approval',
      'check_approval',
      'request_approval',
    ]);
    expect(overStdio.tools).toEqual(overHttp.tools);
  });

  it('request and check round trip through the service, with the signed decision', async () => {
    const client = await proxied();
    const created = toolJson(
      await client.callTool({ name: 'request_approval', arguments: { ...ACTION, recipient_email: 'ops@example.com' } }),
    );
    expect(created).toMatchObject({ status: 'pending' });
    const pauseId = String(created.pause_id);
    expect(toolJson(await client.callTool({ name: 'check_approval', arguments: { pause_id: pauseId } }))).toMatchObject(
      {
        pause_id: pauseId,
        status: 'pending',
      },
    );

    const waiting = client.callTool({ name: 'check_approval', arguments: { pause_id: pauseId, wait_seconds: 20 } });
    await new Promise((r) => setTimeout(r, 200));
    await running.service.decide(pauseId, {
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
    const client = await proxied();
    const http = await connectMcp(running.url, TEST_API_KEY);
    const bad = { action_description: '', action_details: { a: 1 }, recipient_email: 'not-an-address' };
    const viaStdio = toolErrorText(await client.callTool({ name: 'request_approval', arguments: bad }));
    const viaHttp = toolErrorText(await http.callTool({ name: 'request_approval', arguments: bad }));
    expect(viaStdio).toBe(viaHttp);
    expect(viaStdio).toContain('action_description');

    const unknown = toolErrorText(
      await client.callTool({ name: 'check_approval', arguments: { pause_id: 'pse_aaaaaaaaaaaaaaaaaaaaaaaaaa' } }),
    );
    expect(unknown).toMatch(/not[_ ]found/i);

    const wrongKey = await stdioClient({
      LOOPPAUSE_API_KEY: 'wrong-key-0123456789abcdef',
      LOOPPAUSE_API_URL: running.url,
    });
    const denied = toolErrorText(
      await wrongKey.callTool({ name: 'request_approval', arguments: { ...ACTION, recipient_email: 'a@b.io' } }),
    );
    expect(denied).toMatch(/unauthorized|api key/i);
  });

  it('service down: a tool error saying so, and the process stays up', async () => {
    const port = await freePort();
    const client = await stdioClient({
      LOOPPAUSE_API_KEY: TEST_API_KEY,
      LOOPPAUSE_API_URL: `http://127.0.0.1:${port}`,
    });
    const down = toolErrorText(
      await client.callTool({ name: 'check_approval', arguments: { pause_id: 'pse_aaaaaaaaaaaaaaaaaaaaaaaaaa' } }),
    );
    expect(down).toContain(`cannot reach the LoopPause service at http://127.0.0.1:${port}`);
    expect((await client.listTools()).tools).toHaveLength(3);
  });

  it('without LOOPPAUSE_API_KEY: exits non-zero with one line on stderr naming it, nothing on stdout', async () => {
    const { code, stdout, stderr } = await runProcess(pkg.bin('looppause-mcp'), []);
    expect(code).not.toBe(0);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain('LOOPPAUSE_API_KEY');
  });

  it('exports verifyDecision to agent code that imports the installed package by name', async () => {
    const signed = signDecision(TEST_SIGNING_SECRET, {
      decision: 'approved',
      comment: '',
      fields: {},
      responder: 'ops@example.com',
      responded_at: new Date().toISOString(),
      channel: 'email',
      nonce: 'n'.repeat(32),
      pause_id: 'pse_aaaaaaaaaaaaaaaaaaaaaaaaaa',
      action_digest: actionDigest(ACTION),
    });
    // What an agent's own module does, run from the folder the package was installed into.
    const agent = `import { verifyDecision } from 'looppause';
      const response = JSON.parse(process.env.RESPONSE);
      const expect = { pause_id: response.pause_id, action: JSON.parse(process.env.ACTION) };
      console.log(JSON.stringify([
        verifyDecision(process.env.SECRET, response, expect),
        verifyDecision(process.env.SECRET, { ...response, decision: 'rejected' }, expect),
      ]));`;
    const run = await runProcess(
      process.execPath,
      ['--input-type=module', '-e', agent],
      { RESPONSE: JSON.stringify(signed), ACTION: JSON.stringify(ACTION), SECRET: TEST_SIGNING_SECRET },
      '',
      pkg.appDir,
    );
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual([{ ok: true }, { ok: false, reason: expect.any(String) }]);
  });
});
