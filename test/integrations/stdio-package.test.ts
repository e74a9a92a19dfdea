import { readFile, stat } from 'node:fs/promises';
import { expect, it } from 'vitest';
import { actionDigest, signDecision } from '../../src/domain/signing.js';
import { runProcess } from '../helpers/cli.js';
import { packAndInstall } from '../helpers/packed.js';
import { TEST_SIGNING_SECRET } from '../helpers/service.js';
import { ACTION, describeStdioProxy } from './stdio-proxy.js';

/** The server package keeps its `looppause-mcp` bin (the same source as `@looppause/mcp`). */
describeStdioProxy(
  'looppause-mcp from the packed looppause package',
  () => packAndInstall(),
  (proxy) => {
    it('ships built JS with shebangs and no tests, sources or secrets', async () => {
      const { pkg } = proxy();
      for (const bin of ['looppause', 'looppause-mcp'] as const) {
        expect((await readFile(pkg.bin(bin), 'utf8')).split('\n')[0]).toBe('#!/usr/bin/env node');
      }
      expect(pkg.files).toContain('dist/src/cli/looppause-mcp.js');
      expect(pkg.files).toContain('dist/src/index.d.ts');
      // The pack rebuilt the checkout's dist/: its bins keep the exec bit, so `npx looppause` there still runs.
      for (const bin of ['dist/src/cli/looppause.js', 'dist/src/cli/looppause-mcp.js']) {
        expect((await stat(new URL(`../../${bin}`, import.meta.url)).then((s) => s.mode)) & 0o111, bin).toBe(0o111);
      }
      expect(pkg.files.some((f) => f.startsWith('dist/src/store/lua/'))).toBe(true);
      expect(
        pkg.files.filter((f) => /^(test|src|bench|packages|\.looppause)\/|\.env|\.ts$/.test(f) && !f.endsWith('.d.ts')),
      ).toEqual([]);
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
        proxy().pkg.appDir,
      );
      expect(run.stderr).toBe('');
      expect(JSON.parse(run.stdout)).toEqual([{ ok: true }, { ok: false, reason: expect.any(String) }]);
    });
  },
);
