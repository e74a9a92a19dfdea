import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/main.js';
import { startTestService, TEST_API_KEY } from '../helpers/service.js';
import { approve, pendingPause, resultText } from './agent.js';

const root = new URL('../..', import.meta.url).pathname;
const FILESYSTEM = join(root, 'node_modules/@modelcontextprotocol/server-filesystem/dist/index.js');

/** Interop: the 2.x client line (@modelcontextprotocol/client) on a gateway server. */
describe('the 2.x MCP client through the gateway', () => {
  const tmp = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'gateway-2x-'));
  const served = join(tmp, 'served');
  let svc: RunningService;
  let client: Client;
  const methods: string[] = [];

  beforeAll(async () => {
    mkdirSync(served);
    writeFileSync(join(served, 'notes.txt'), 'hello from the filesystem server');
    writeFileSync(
      join(tmp, 'policy.yaml'),
      'gateway_default_route: { email: ops@example.com }\nrules:\n  - name: rest\n    route: { email: ops@example.com }\n',
    );
    writeFileSync(
      join(tmp, 'gateway.yaml'),
      `servers:\n  files: { command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(FILESYSTEM)}, ${JSON.stringify(served)}] }\n`,
    );
    svc = await startTestService({
      LOOPPAUSE_POLICY_FILE: join(tmp, 'policy.yaml'),
      LOOPPAUSE_GATEWAY_FILE: join(tmp, 'gateway.yaml'),
    });
    // As Claude Code does: try 2026-07-28 (server/discover) first.
    client = new Client({ name: 'looppause-gateway-2x', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
    await client.connect(
      new StreamableHTTPClientTransport(new URL('/mcp/gateway/files', svc.url), {
        requestInit: { headers: { Authorization: `Bearer ${TEST_API_KEY}` } },
        // What the client sends, to see which era it settled on.
        fetch: (url, init) => {
          if (typeof init?.body === 'string') methods.push((JSON.parse(init.body) as { method?: string }).method ?? '');
          return fetch(url, init);
        },
      }),
    );
  });
  afterAll(async () => {
    await client?.close();
    await svc?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('tries 2026-07-28 first and settles on 2025-11-25, which the gateway speaks', async () => {
    expect(methods.slice(0, 2)).toEqual(['server/discover', 'initialize']);
  });

  it('lists the upstream tools and reads through a read-only one without a human', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain('read_text_file');
    const read = await client.callTool({ name: 'read_text_file', arguments: { path: join(served, 'notes.txt') } });
    expect(resultText(read)).toBe('hello from the filesystem server');
  });

  it('a write waits for a human and is forwarded once approved', async () => {
    const path = join(served, 'approved.txt');
    const args = { path, content: 'through the 2.x client' };
    const call = client.callTool({ name: 'write_file', arguments: args });
    await approve(svc, await pendingPause(svc, 'mcp__files__write_file', args));
    expect(resultText(await call)).toContain('Successfully wrote');
    expect(readFileSync(path, 'utf8')).toBe('through the 2.x client');
  });
});
