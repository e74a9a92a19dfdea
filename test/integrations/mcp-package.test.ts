import { readFile } from 'node:fs/promises';
import { expect, it } from 'vitest';
import { runProcess } from '../helpers/cli.js';
import { packAndInstall } from '../helpers/packed.js';
import { signTestReceipt, testClaims, testReceiptKey } from '../helpers/receipt-keys.js';
import { TEST_API_KEY } from '../helpers/service.js';
import { describeStdioProxy } from './stdio-proxy.js';

const repoFile = (path: string) => readFile(new URL(`../../${path}`, import.meta.url), 'utf8');
const manifest = JSON.parse(await repoFile('packages/mcp/package.json')) as {
  version: string;
};
const SERVER_STACK = ['ioredis', '@slack/bolt', '@slack/web-api', 'nodemailer', 'pino', 'prom-client'];

/** `npx -y @looppause/mcp`: the stdio proxy alone, built from the same src/ as the server package. */
describeStdioProxy(
  '@looppause/mcp from its packed tarball',
  () => packAndInstall('packages/mcp'),
  (proxy) => {
    it('ships the proxy modules only, with its README, LICENSE and smithery.yaml', async () => {
      const { pkg } = proxy();
      expect((await readFile(pkg.bin('looppause-mcp'), 'utf8')).split('\n')[0]).toBe('#!/usr/bin/env node');
      expect(pkg.files).toEqual(
        expect.arrayContaining(['dist/cli/looppause-mcp.js', 'README.md', 'LICENSE', 'smithery.yaml']),
      );
      expect(
        pkg.files.filter(
          (f) =>
            !/^(dist\/.+\.js|dist\/receipts\/verify-receipt\.d\.ts|package\.json|README\.md|LICENSE|smithery\.yaml)$/.test(
              f,
            ),
        ),
      ).toEqual([]);
      expect(pkg.files.filter((f) => /^dist\/(service|http|slack|email|store\/(?!unavailable\.js))/.test(f))).toEqual(
        [],
      );
    });

    it("exports verifyReceipt: an executor's app imports it by the package name and checks a receipt", async () => {
      const key = testReceiptKey();
      const claims = testClaims('pse_pkg');
      const receipt = signTestReceipt(key.privateKey, claims, { kid: key.jwk.kid });
      const script = `import { verifyReceipt } from '@looppause/mcp';
        const [receipt, jwks] = process.argv.slice(1);
        const ok = verifyReceipt(receipt, jwks, { pauseId: 'pse_pkg' });
        const other = verifyReceipt(receipt, jwks, { pauseId: 'pse_other' });
        process.stdout.write(JSON.stringify([ok.valid, other.valid, other.reason]));`;
      const run = await runProcess(
        process.execPath,
        ['--input-type=module', '-e', script, receipt, JSON.stringify({ keys: [key.jwk] })],
        {},
        '',
        proxy().pkg.appDir,
      );
      expect(run.stderr).toBe('');
      expect(JSON.parse(run.stdout)).toEqual([true, false, 'wrong_pause']);
      expect(proxy().pkg.files).toEqual(
        expect.arrayContaining(['dist/receipts/verify-receipt.js', 'dist/receipts/verify-receipt.d.ts']),
      );
    });

    it('carries the same MIT licence as the repository', async () => {
      expect(await repoFile('packages/mcp/LICENSE')).toBe(await repoFile('LICENSE'));
      expect(await repoFile('LICENSE')).toMatch(/^MIT License\n\nCopyright \(c\) 2026 LoopPause contributors\n/);
    });

    it("the root smithery.yaml starts the small package, as the package's own does", async () => {
      expect(await repoFile('smithery.yaml')).toBe(await repoFile('packages/mcp/smithery.yaml'));
      expect(await repoFile('smithery.yaml')).toContain("args: ['-y', '@looppause/mcp']");
    });

    it("depends on the SDKs and zod only: none of the server's stack is installed", () => {
      const { installed } = proxy().pkg;
      // The 1.x SDK and the 2.x server package (which serves stdio in both protocol eras).
      expect(Object.keys(installed['node_modules/@looppause/mcp']?.dependencies ?? {}).sort()).toEqual([
        '@modelcontextprotocol/sdk',
        '@modelcontextprotocol/server',
        'zod',
      ]);
      const names = Object.keys(installed).map((path) => path.slice(path.lastIndexOf('node_modules/') + 13));
      expect(names.filter((n) => SERVER_STACK.includes(n))).toEqual([]);
      // express (and hono) are dependencies of the MCP SDK itself; the proxy never imports them.
      const needExpress = Object.entries(installed).filter(([, entry]) => entry.dependencies?.express);
      expect(needExpress.map(([path]) => path)).toEqual(['node_modules/@modelcontextprotocol/sdk']);
    });

    it('starts as `npx -y @looppause/mcp` and reports its own version', async () => {
      const client = await proxy().stdioClient(
        { LOOPPAUSE_API_KEY: TEST_API_KEY, LOOPPAUSE_API_URL: proxy().running.url },
        'npx',
        ['-y', '--offline', '@looppause/mcp'],
      );
      expect(client.getServerVersion()).toEqual({ name: 'looppause', version: manifest.version });
      expect((await client.listTools()).tools).toHaveLength(3);
    });
  },
);
