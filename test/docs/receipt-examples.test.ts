import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/main.js';
import { runProcess } from '../helpers/cli.js';
import { approvedReceipt, testServiceReceiptKey } from '../helpers/receipt-flow.js';
import { signTestReceipt } from '../helpers/receipt-keys.js';
import { startTestService } from '../helpers/service.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const ISSUER = 'https://looppause.test';

/** The README's code block in `language` whose first line is the receipt example's comment. */
function example(language: 'js' | 'python', firstLine: RegExp): string {
  const block = [...README.matchAll(new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, 'g'))]
    .map((m) => m[1] ?? '')
    .find((code) => firstLine.test(code.split('\n')[0] ?? ''));
  if (block === undefined) throw new Error(`README has no ${language} block starting ${firstLine}`);
  return block;
}

const NODE_EXAMPLE = example('js', /^\/\/ Verify a LoopPause receipt/);
const PYTHON_EXAMPLE = example('python', /^# Verify a LoopPause receipt/);

/** Each example run on (receipt, jwks, issuer, pause, action digest): its claims' decision, or `error: <why>`. */
const NODE_HARNESS = `
const [receipt, jwks, issuer, pauseId, actionDigest] = process.argv.slice(1);
try {
  const claims = verifyLoopPauseReceipt(receipt, JSON.parse(jwks), { issuer, pauseId, actionDigest });
  process.stdout.write(claims.decision + ' ' + claims.sub);
} catch (error) {
  process.stdout.write('error: ' + error.message);
}`;
const PYTHON_HARNESS = `
import sys
receipt, jwks, issuer, pause_id, action_digest = sys.argv[1:]
try:
    claims = verify_receipt(receipt, json.loads(jwks), issuer, pause_id, action_digest)
    sys.stdout.write(claims["decision"] + " " + claims["sub"])
except ValueError as error:
    sys.stdout.write("error: " + str(error))
`;

function hasPython(): boolean {
  try {
    execFileSync('python3', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const runners = {
  node: (args: string[]) =>
    runProcess(process.execPath, ['--input-type=module', '-e', NODE_EXAMPLE + NODE_HARNESS, ...args]),
  python: (args: string[]) => runProcess('python3', ['-c', PYTHON_EXAMPLE + PYTHON_HARNESS, ...args]),
};

if (!hasPython()) {
  // python3 is how CI and most machines run the Python example; only its absence skips it.
  process.stderr.write('test/docs/receipt-examples: python3 is not installed; the Python example is not run\n');
}

describe("README › Receipts: the Node and Python examples verify the service's receipts", () => {
  let running: RunningService;
  beforeAll(async () => {
    running = await startTestService({ PUBLIC_URL: ISSUER });
  });
  afterAll(async () => {
    await running?.close();
  });

  for (const language of ['node', 'python'] as const) {
    it.skipIf(language === 'python' && !hasPython())(
      `${language}: accepts a real receipt, refuses bad ones saying why`,
      async () => {
        const { pauseId, receipt } = await approvedReceipt(running);
        const jwks = await (await fetch(`${running.url}/.well-known/jwks.json`)).text();
        const [h, p, s] = receipt.split('.') as [string, string, string];
        const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
        const digest = claims.action_digest as string;
        const run = async (r: string, pause = pauseId, action = digest, issuer = ISSUER) => {
          const result = await runners[language]([r, jwks, issuer, pause, action]);
          expect(result.stderr).toBe('');
          return result.stdout;
        };
        expect(await run(receipt)).toBe(`approved ${pauseId}`);
        const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, decision: 'rejected' })).toString('base64url')}.${s}`;
        expect(await run(tampered)).toBe('error: bad signature');
        const { kid } = JSON.parse(Buffer.from(h, 'base64url').toString()) as { kid: string };
        const now = Math.floor(Date.now() / 1000);
        const expired = signTestReceipt(
          testServiceReceiptKey(),
          { ...claims, iat: now - 7200, exp: now - 3600 },
          { kid },
        );
        expect(await run(expired)).toBe('error: expired');
        expect(await run(signTestReceipt(testServiceReceiptKey(), claims, { kid: 'other' }))).toBe(
          'error: unknown kid other',
        );
        expect(await run(receipt, 'pse_other')).toBe(`error: for another pause (${pauseId})`);
        expect(await run(receipt, pauseId, 'sha256:other')).toBe('error: for another action');
        expect(await run(receipt, pauseId, digest, 'https://elsewhere.example')).toBe(`error: issued by ${ISSUER}`);
      },
    );
  }
});
