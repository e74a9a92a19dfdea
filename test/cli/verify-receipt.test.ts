import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { signTestReceipt, testClaims, testReceiptKey } from '../helpers/receipt-keys.js';

const key = testReceiptKey();
const stranger = testReceiptKey();
const jwks = { keys: [key.jwk] };
const dir = mkdtempSync(join(tmpdir(), 'looppause-receipt-'));
const jwksFile = join(dir, 'jwks.json');
writeFileSync(jwksFile, JSON.stringify(jwks));

let server: Server;
let jwksUrl: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url !== '/.well-known/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('looppause verify --receipt', () => {
  const claims = { ...testClaims('pse_cli1'), approvers: ['alice@example.com', 'bob@example.com'] };
  const receipt = signTestReceipt(key.privateKey, claims, { kid: key.jwk.kid });

  it('says who approved what, exit 0, with the JWKS from a file, a URL, the receipt from stdin', async () => {
    const fromFile = await runCli(['verify', '--receipt', receipt, '--jwks', jwksFile]);
    expect(fromFile.code).toBe(0);
    expect(fromFile.stdout).toMatch(/^valid: approved by alice@example\.com, bob@example\.com for pse_cli1 \(/);
    const fromUrl = await runCli(['verify', `--receipt=${receipt}`, `--jwks=${jwksUrl}`]);
    expect(fromUrl.code).toBe(0);
    const fromStdin = await runCli(['verify', '--receipt', '-', '--jwks', jwksFile], {}, `${receipt}\n`);
    expect(fromStdin.stdout).toBe(fromFile.stdout);
    const checked = await runCli(['verify', '--receipt', receipt, '--jwks', jwksFile, '--pause-id', 'pse_other']);
    expect(checked).toMatchObject({ code: 1, stdout: 'invalid: wrong pause: for pse_cli1, not pse_other\n' });
  });

  it('exits 1 saying why for a bad signature, an unknown kid, an expired or a malformed receipt', async () => {
    const [h, , s] = receipt.split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, decision: 'rejected' })).toString('base64url')}.${s}`;
    const cases: [string, RegExp][] = [
      [tampered, /^invalid: bad signature: /],
      [signTestReceipt(stranger.privateKey, claims, { kid: stranger.jwk.kid }), /^invalid: unknown kid: /],
      [
        signTestReceipt(
          key.privateKey,
          { ...claims, iat: claims.iat - 7200, exp: claims.iat - 3600 },
          { kid: key.jwk.kid },
        ),
        /^invalid: expired: expired at /,
      ],
      ['not-a-receipt', /^invalid: malformed: /],
    ];
    for (const [bad, why] of cases) {
      const result = await runCli(['verify', '--receipt', bad, '--jwks', jwksFile]);
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(why);
    }
  });

  it('exits 2 without a JWKS or when it cannot be read; plain verify is untouched', async () => {
    expect((await runCli(['verify', '--receipt', receipt])).code).toBe(2);
    const missing = await runCli(['verify', '--receipt', receipt, '--jwks', join(dir, 'absent.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read the JWKS');
    const hmac = await runCli(['verify'], { LOOPPAUSE_SIGNING_SECRET: 'x'.repeat(40) }, 'not json');
    expect(hmac.stdout).toBe('invalid: stdin is not JSON\n');
  });
});
