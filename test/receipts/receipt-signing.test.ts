import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { verifyDecision } from '../../src/domain/signing.js';
import type { Decision, DecisionChannel } from '../../src/domain/vocabulary.js';
import {
  generateReceiptKey,
  parseReceiptPreviousKeys,
  parseReceiptPrivateKey,
  publicJwkOf,
} from '../../src/receipts/keys.js';
import { signDecision } from '../../src/receipts/sign-decision.js';
import { ReceiptSigner } from '../../src/receipts/signer.js';
import { tamperedClaim, verifyIndependently } from '../helpers/independent-receipt.js';

const SECRET = 'unit-signing-secret-0123456789abcdef-xyz';
const ISSUER = 'https://looppause.example';
const DIGEST = 'a'.repeat(64);

function signer(key = parseReceiptPrivateKey(generateReceiptKey()), previous = [] as ReturnType<typeof publicJwkOf>[]) {
  return new ReceiptSigner({ privateKey: key, previous, issuer: ISSUER, ttlSeconds: 3600 });
}

const pause = { pause_id: 'pse_unit1', action_digest: DIGEST, agent_id: 'claude', policy_rule: 'refunds' };

function humanDecision(decision: Decision = 'approved') {
  return {
    decision,
    comment: 'ok',
    fields: {},
    responder: 'bob@example.com',
    responded_at: '2026-12-03T08:00:00.000Z',
    channel: 'email' as DecisionChannel,
    nonce: 'nonce-unit-1',
    pause_id: pause.pause_id,
    action_digest: DIGEST,
    approvals: [
      {
        channel: 'slack' as DecisionChannel,
        comment: '',
        fields: {},
        responded_at: '2026-12-03T07:59:00.000Z',
        responder: 'ada@example.com',
      },
      {
        channel: 'email' as DecisionChannel,
        comment: 'ok',
        fields: {},
        responded_at: '2026-12-03T08:00:00.000Z',
        responder: 'bob@example.com',
      },
    ],
  };
}

describe('receipts', () => {
  it('signs every decision with a receipt an independent verifier accepts: header and every claim', async () => {
    const receipts = signer();
    const deps = { signingSecret: SECRET, receipts, policy: { current: () => ({ digest: 'f'.repeat(64) }) as never } };
    const signed = await signDecision(deps, pause, humanDecision());
    const checked = verifyIndependently(signed.receipt ?? '', receipts.jwks());
    if (!checked.ok) throw new Error(checked.reason);
    expect(checked.header).toEqual({ alg: 'EdDSA', kid: receipts.kid, typ: 'looppause-receipt+jwt' });
    const iat = Date.parse('2026-12-03T08:00:00.000Z') / 1000;
    expect(checked.claims).toEqual({
      iss: ISSUER,
      sub: 'pse_unit1',
      jti: 'nonce-unit-1',
      iat,
      exp: iat + 3600,
      decision: 'approved',
      action_digest: DIGEST,
      agent_id: 'claude',
      approvers: ['ada@example.com', 'bob@example.com'],
      policy_rule: 'refunds',
      policy_digest: 'f'.repeat(64),
    });
    // The receipt sits inside the response: the documented HMAC recipe covers it and still verifies.
    expect(verifyDecision(SECRET, signed, { pause_id: 'pse_unit1' })).toEqual({ ok: true });
    expect(verifyDecision(SECRET, { ...signed, receipt: `${signed.receipt}x` })).toMatchObject({ ok: false });
  });

  it('fails verification when any claim or the header is tampered with', async () => {
    const receipts = signer();
    const signed = await signDecision({ signingSecret: SECRET, receipts }, pause, humanDecision());
    const token = signed.receipt ?? '';
    const changes: Record<string, unknown> = {
      iss: 'https://evil.example',
      sub: 'pse_other',
      jti: 'nonce-2',
      iat: 1,
      exp: 9_999_999_999,
      decision: 'rejected',
      action_digest: 'b'.repeat(64),
      agent_id: 'other',
      approvers: ['mallory@example.com'],
      policy_rule: 'other',
      policy_digest: 'c'.repeat(64),
    };
    for (const [claim, value] of Object.entries(changes)) {
      expect(verifyIndependently(tamperedClaim(token, claim, value), receipts.jwks())).toEqual({
        ok: false,
        reason: 'signature',
      });
    }
    const [, body, sig] = token.split('.');
    const header = (h: object) => `${Buffer.from(JSON.stringify(h)).toString('base64url')}.${body}.${sig}`;
    expect(
      verifyIndependently(header({ alg: 'none', kid: receipts.kid, typ: 'looppause-receipt+jwt' }), receipts.jwks()),
    ).toMatchObject({ ok: false });
    expect(verifyIndependently(header({ alg: 'EdDSA', kid: receipts.kid, typ: 'JWT' }), receipts.jwks())).toMatchObject(
      { ok: false },
    );
    // Another key's JWKS does not verify it.
    expect(verifyIndependently(token, signer().jwks())).toEqual({ ok: false, reason: 'unknown kid' });
  });

  it('names the policy rule as approver of a policy decision, the rejecter of a rejection; no policy claims without a policy', async () => {
    const receipts = signer();
    const policySigned = await signDecision({ signingSecret: SECRET, receipts }, pause, {
      ...humanDecision(),
      responder: 'policy:refunds',
      channel: 'policy',
      approvals: [],
    });
    const policy = verifyIndependently(policySigned.receipt ?? '', receipts.jwks());
    expect(policy.ok && policy.claims.approvers).toEqual(['policy:refunds']);
    const { policy_rule: _r, ...plain } = pause;
    const rejected = await signDecision({ signingSecret: SECRET, receipts }, plain, humanDecision('rejected'));
    const claims = verifyIndependently(rejected.receipt ?? '', receipts.jwks());
    expect(claims.ok && claims.claims.approvers).toEqual(['bob@example.com']);
    expect(claims.ok && 'policy_rule' in claims.claims).toBe(false);
    expect(claims.ok && 'policy_digest' in claims.claims).toBe(false);
  });

  it('property: for random decisions the independent verifier accepts the receipt and its claims are the decision', async () => {
    const receipts = signer();
    const text = fc.string({ minLength: 1, maxLength: 40 });
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          decision: fc.constantFrom<Decision>('approved', 'rejected'),
          pauseId: text.map((s) => `pse_${s}`),
          agent: text,
          nonce: text,
          digest: fc.stringMatching(/^[0-9a-f]{64}$/),
          atMs: fc.integer({ min: 0, max: 4_000_000_000_000 }),
          approvers: fc.array(text, { minLength: 1, maxLength: 5 }),
          rule: fc.option(text, { nil: undefined }),
        }),
        async (d) => {
          const at = new Date(d.atMs).toISOString();
          const approvals = d.approvers.map((responder) => ({
            channel: 'email' as DecisionChannel,
            comment: '',
            fields: {},
            responded_at: at,
            responder,
          }));
          const last = d.approvers.at(-1) ?? '';
          const signed = await signDecision(
            { signingSecret: SECRET, receipts },
            {
              pause_id: d.pauseId,
              action_digest: d.digest,
              agent_id: d.agent,
              ...(d.rule ? { policy_rule: d.rule } : {}),
            },
            {
              decision: d.decision,
              comment: '',
              fields: {},
              responder: last,
              responded_at: at,
              channel: 'email',
              nonce: d.nonce,
              pause_id: d.pauseId,
              action_digest: d.digest,
              approvals: d.decision === 'approved' ? approvals : approvals.slice(0, -1),
            },
          );
          const checked = verifyIndependently(signed.receipt ?? '', receipts.jwks());
          if (!checked.ok) return false;
          const iat = Math.floor(d.atMs / 1000);
          expect(checked.claims).toEqual({
            iss: ISSUER,
            sub: d.pauseId,
            jti: d.nonce,
            iat,
            exp: iat + 3600,
            decision: d.decision,
            action_digest: d.digest,
            agent_id: d.agent,
            approvers: d.decision === 'approved' ? d.approvers : [last],
            ...(d.rule ? { policy_rule: d.rule } : {}),
          });
          return verifyDecision(SECRET, signed).ok;
        },
      ),
      { numRuns: 200 },
    );
  });

  it('publishes the current key first and the previous ones, public parts only', () => {
    const old = publicJwkOf(parseReceiptPrivateKey(generateReceiptKey()));
    const receipts = signer(undefined, [old]);
    const { keys } = receipts.jwks();
    expect(keys.map((k) => k.kid)).toEqual([receipts.kid, old.kid]);
    for (const key of keys) {
      expect(Object.keys(key).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x']);
      expect(key).not.toHaveProperty('d');
    }
  });

  it('reads the key as a private JWK or a PKCS#8 PEM (also with \\n escapes), previous keys as an array or a JWKS', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const jwk = JSON.stringify(privateKey.export({ format: 'jwk' }));
    const kid = publicJwkOf(privateKey).kid;
    expect(publicJwkOf(parseReceiptPrivateKey(pem)).kid).toBe(kid);
    expect(publicJwkOf(parseReceiptPrivateKey(pem.replace(/\n/g, '\\n'))).kid).toBe(kid);
    expect(publicJwkOf(parseReceiptPrivateKey(jwk)).kid).toBe(kid);
    const pub = publicJwkOf(privateKey);
    expect(parseReceiptPreviousKeys(JSON.stringify([pub]))).toEqual([pub]);
    expect(parseReceiptPreviousKeys(JSON.stringify({ keys: [pub] }))).toEqual([pub]);
  });

  it('refuses bad key material with one line naming the variable, never echoing it; production needs a key', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const jwk = privateKey.export({ format: 'jwk' }) as Record<string, string>;
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString();
    const cases: Array<[string, Record<string, string>]> = [
      ['LOOPPAUSE_RECEIPT_KEY', { LOOPPAUSE_RECEIPT_KEY: 'not-a-key-secretvalue' }],
      ['LOOPPAUSE_RECEIPT_KEY', { LOOPPAUSE_RECEIPT_KEY: `{"kty":"OKP","crv":"Ed25519","d":"secretvalue` }],
      ['LOOPPAUSE_RECEIPT_KEY', { LOOPPAUSE_RECEIPT_KEY: JSON.stringify({ ...jwk, d: undefined }) }],
      ['LOOPPAUSE_RECEIPT_KEY', { LOOPPAUSE_RECEIPT_KEY: rsa }],
      [
        'LOOPPAUSE_RECEIPT_KEY',
        { LOOPPAUSE_RECEIPT_KEY: '-----BEGIN PRIVATE KEY-----\nsecretvalue\n-----END PRIVATE KEY-----' },
      ],
      ['LOOPPAUSE_RECEIPT_PREVIOUS_KEYS', { LOOPPAUSE_RECEIPT_PREVIOUS_KEYS: '[{"kty":"OKP","secretvalue' }],
      ['LOOPPAUSE_RECEIPT_PREVIOUS_KEYS', { LOOPPAUSE_RECEIPT_PREVIOUS_KEYS: JSON.stringify([jwk]) }],
      ['LOOPPAUSE_RECEIPT_PREVIOUS_KEYS', { LOOPPAUSE_RECEIPT_PREVIOUS_KEYS: '{"kty":"OKP"}' }],
      ['LOOPPAUSE_RECEIPT_TTL_SECONDS', { LOOPPAUSE_RECEIPT_TTL_SECONDS: 'soon' }],
    ];
    for (const [variable, env] of cases) {
      const result = parseConfig(env);
      expect(result.ok, JSON.stringify(env)).toBe(false);
      if (result.ok) continue;
      expect(result.errors).toHaveLength(1);
      expect(result.errors[0]?.startsWith(`${variable}: `)).toBe(true);
      expect(result.errors[0]).not.toContain('secretvalue');
      expect(result.errors[0]).not.toContain(jwk.d);
    }
    const production = parseConfig({ NODE_ENV: 'production', LOOPPAUSE_SIGNING_SECRET: 's'.repeat(40) });
    expect(!production.ok && production.errors).toEqual([
      expect.stringMatching(/^LOOPPAUSE_RECEIPT_KEY: is required when NODE_ENV=production/),
    ]);
    const ok = parseConfig({ LOOPPAUSE_RECEIPT_KEY: JSON.stringify(jwk), LOOPPAUSE_RECEIPT_TTL_SECONDS: '60' });
    expect(ok.ok && ok.config.receipts.ttlSeconds).toBe(60);
    expect(ok.ok && ok.config.receipts.key?.asymmetricKeyType).toBe('ed25519');
  });
});
