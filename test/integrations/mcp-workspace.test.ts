import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, describe, expect, it } from 'vitest';
import { runProcess } from '../helpers/cli.js';
import { TEST_API_KEY } from '../helpers/service.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const manifest = JSON.parse(readFileSync(`${ROOT}packages/mcp/package.json`, 'utf8')) as {
  version: string;
  license?: string;
  files?: string[];
  bin: Record<string, string>;
};

/**
 * The checkout as a newcomer has it after `npm install` (or CI after `npm ci`): the workspace's
 * `prepare` built packages/mcp, so npm linked its bin and `npx @looppause/mcp` starts the proxy.
 */
describe('@looppause/mcp in the checkout', () => {
  const clients: Client[] = [];
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
  });

  it('npm install linked the built bin into node_modules/.bin', () => {
    const link = `${ROOT}node_modules/.bin/looppause-mcp`;
    // A checkout installed before the package had a `prepare` script: `npm install` again builds and links it.
    expect(existsSync(link), `${link} is missing: run npm install (prepare builds packages/mcp)`).toBe(true);
    expect(realpathSync(link)).toBe(realpathSync(`${ROOT}packages/mcp/${manifest.bin['looppause-mcp']}`));
  });

  it('`npx --no-install @looppause/mcp` from the checkout serves the three tools over stdio', async () => {
    const client = new Client({ name: 'workspace-test', version: '1.0.0' });
    clients.push(client);
    await client.connect(
      new StdioClientTransport({
        command: 'npx',
        args: ['--no-install', '@looppause/mcp'],
        cwd: ROOT,
        // The service is not needed to list the tools: the proxy serves them itself.
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          LOOPPAUSE_API_KEY: TEST_API_KEY,
          LOOPPAUSE_API_URL: 'http://127.0.0.1:9',
        },
        stderr: 'pipe',
      }),
    );
    expect(client.getServerVersion()).toEqual({ name: 'looppause', version: manifest.version });
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual([
      'cancel_approval',
      'check_approval',
      'request_approval',
    ]);
  });

  it('publishes as is: `npm publish --dry-run -w @looppause/mcp` exits 0, with no warning about the package', async () => {
    expect(manifest).toMatchObject({ license: 'MIT', files: expect.arrayContaining(['README.md']) });
    // Offline: a dry run would otherwise ask the registry whether the version exists (and retry for a minute).
    const run = await runProcess(
      'npm',
      ['publish', '--dry-run', '--json', '--offline', '--workspace', '@looppause/mcp'],
      { HOME: process.env.HOME ?? '' },
      '',
      ROOT,
    );
    expect(run.code, run.stderr).toBe(0);
    const warnings = `${run.stdout}\n${run.stderr}`
      .split('\n')
      .filter((line) => /^npm warn/i.test(line))
      // About this machine, not the package: nobody is logged in to the registry here.
      .filter((line) => !/requires you to be logged in/.test(line));
    expect(warnings).toEqual([]);
    const report = JSON.parse(run.stdout.slice(run.stdout.indexOf('{'))) as Record<
      string,
      { name: string; files: { path: string }[] }
    >;
    const packed = report['@looppause/mcp'] ?? Object.values(report)[0];
    expect(packed?.name).toBe('@looppause/mcp');
    expect(packed?.files.map((f) => f.path)).toEqual(
      expect.arrayContaining(['package.json', 'README.md', 'smithery.yaml', manifest.bin['looppause-mcp']]),
    );
  }, 120_000);
});
