import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/main.js';
import { type ReceiptJwks, verifyReceipt } from '../../src/receipts/verify-receipt.js';
import { approvedReceipt, redeem, testServiceReceiptKey } from '../helpers/receipt-flow.js';
import { signTestReceipt, testClaims, testReceiptKey } from '../helpers/receipt-keys.js';
import { OTHER_API_KEY, startTestService, TEST_API_KEY } from '../helpers/service.js';

const ADMIN_API_KEY = 'admin-key-0123456789abcdef';
const ISSUER = 'https://looppause.test';

describe('POST /v1/receipts/redeem', () => {
  let running: RunningService;
  beforeAll(async () => {
    running = await startTestService({
      PUBLIC_URL: ISSUER,
      LOOPPAUSE_API_KEYS: `agent-a:${TEST_API_KEY},agent-b:${OTHER_API_KEY},ops:${ADMIN_API_KEY}::admin`,
    });
  });
  afterAll(async () => {
    await running?.close();
  });

  it('redeems a receipt once (200 with its claims), then answers 409; the JWKS verifies it offline', async () => {
    const { pauseId, receipt } = await approvedReceipt(running);
    const jwks = (await (await fetch(`${running.url}/.well-known/jwks.json`)).json()) as ReceiptJwks;
    expect(verifyReceipt(receipt, jwks, { pauseId })).toMatchObject({ valid: true });
    const first = await redeem(running, { receipt });
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({
      redeemed: true,
      claims: { iss: ISSUER, sub: pauseId, decision: 'approved', agent_id: 'agent-a', approvers: ['fin@example.com'] },
    });
    const again = await redeem(running, { receipt });
    expect(again.status).toBe(409);
    expect(again.json).toMatchObject({ error: { code: 'conflict', message: /already redeemed at / } });
  });

  it("another key gets 404 and uses nothing up; an admin key may redeem any key's receipt", async () => {
    const { receipt } = await approvedReceipt(running);
    const other = await redeem(running, { receipt }, OTHER_API_KEY);
    expect(other.status).toBe(404);
    expect(other.json).toMatchObject({ error: { code: 'not_found' } });
    expect((await redeem(running, { receipt }, ADMIN_API_KEY)).status).toBe(200);
    expect((await redeem(running, { receipt })).status).toBe(409);
    expect((await redeem(running, { receipt }, 'not-a-key-0123456789')).status).toBe(401);
  });

  it('answers 400 naming why for a tampered, expired, foreign or malformed receipt', async () => {
    const { receipt } = await approvedReceipt(running);
    const key = testServiceReceiptKey();
    const [h, p, s] = receipt.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const { kid } = JSON.parse(Buffer.from(h, 'base64url').toString()) as { kid: string };
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, decision: 'rejected' })).toString('base64url')}.${s}`;
    const stranger = testReceiptKey();
    const now = Math.floor(Date.now() / 1000);
    const cases: [unknown, RegExp][] = [
      [{ receipt: tampered }, /bad_signature/],
      [{ receipt: signTestReceipt(key, { ...claims, iat: now - 7200, exp: now - 3600 }, { kid }) }, /expired/],
      [{ receipt: signTestReceipt(key, { ...claims, iss: 'https://elsewhere.example' }, { kid }) }, /wrong_issuer/],
      [{ receipt: signTestReceipt(stranger.privateKey, testClaims(), { kid: stranger.jwk.kid }) }, /unknown_kid/],
      [{ receipt: 'not.a.receipt' }, /malformed|unsupported/],
      [{ receipt: '' }, /receipt: must not be empty/],
      [{}, /receipt/],
      [{ receipt, extra: 1 }, /extra: unknown field/],
      ['[1]', /arguments must be a JSON object/],
    ];
    for (const [body, why] of cases) {
      const answer = await redeem(running, body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.json).toMatchObject({ error: { code: 'invalid_argument', message: why } });
    }
    // None of these used the real receipt up.
    expect((await redeem(running, { receipt })).status).toBe(200);
  });

  it('fuzz: random bodies get a 4xx, never a 5xx, and use nothing up', async () => {
    const { receipt } = await approvedReceipt(running);
    const [h, p, s] = receipt.split('.') as [string, string, string];
    const mutated = fc.oneof(
      fc.string().map((x) => `${h}.${p}.${x}`),
      fc.string().map((x) => `${h}.${x}.${s}`),
      fc.string().map((x) => `${x}.${p}.${s}`),
      fc
        .nat({ max: receipt.length - 1 })
        .map((i) => `${receipt.slice(0, i)}${receipt[i] === 'A' ? 'B' : 'A'}${receipt.slice(i + 1)}`),
    );
    const bodies = fc.oneof(
      fc.anything(),
      fc.record({ receipt: fc.anything() }),
      mutated.map((r) => ({ receipt: r })),
      fc.json(),
    );
    await fc.assert(
      fc.asyncProperty(bodies, async (body) => {
        const text = typeof body === 'string' ? body : JSON.stringify(body);
        const answer = await fetch(`${running.url}/v1/receipts/redeem`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}` },
          body: text ?? 'null',
        });
        await answer.text();
        if (answer.status === 200) throw new Error(`redeemed a mutated body: ${text}`);
        expect(answer.status).toBeGreaterThanOrEqual(400);
        expect(answer.status).toBeLessThan(500);
      }),
      { numRuns: 150 },
    );
    expect((await redeem(running, { receipt })).status).toBe(200);
  });
});
