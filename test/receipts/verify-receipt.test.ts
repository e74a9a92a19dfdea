import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as looppause from '../../src/index.js';
import { verifyReceipt } from '../../src/receipts/verify-receipt.js';
import { signTestReceipt, testClaims, testReceiptKey } from '../helpers/receipt-keys.js';

const current = testReceiptKey();
const previous = testReceiptKey();
const stranger = testReceiptKey();
const jwks = { keys: [current.jwk, previous.jwk] };

describe('verifyReceipt', () => {
  it('accepts a receipt signed by the current or a previous key, and returns its claims', () => {
    const claims = testClaims('pse_1');
    const receipt = signTestReceipt(current.privateKey, claims, { kid: current.jwk.kid });
    expect(verifyReceipt(receipt, jwks)).toEqual({ valid: true, claims, kid: current.jwk.kid });
    const old = signTestReceipt(previous.privateKey, claims, { kid: previous.jwk.kid });
    expect(verifyReceipt(old, JSON.stringify(jwks))).toMatchObject({ valid: true, kid: previous.jwk.kid });
    expect(
      verifyReceipt(receipt, jwks, {
        pauseId: 'pse_1',
        actionDigest: claims.action_digest,
        issuer: claims.iss,
        now: new Date(),
      }).valid,
    ).toBe(true);
  });

  it('names why a receipt is not valid', () => {
    const claims = testClaims('pse_1');
    const good = signTestReceipt(current.privateKey, claims, { kid: current.jwk.kid });
    const why = (receipt: string, options = {}) => {
      const result = verifyReceipt(receipt, jwks, options);
      return result.valid ? 'valid' : result.reason;
    };
    expect(why('nope')).toBe('malformed');
    expect(why('a.b')).toBe('malformed');
    expect(why(signTestReceipt(stranger.privateKey, claims, { kid: stranger.jwk.kid }))).toBe('unknown_kid');
    // A stranger's signature under a kid the JWKS lists.
    expect(why(signTestReceipt(stranger.privateKey, claims, { kid: current.jwk.kid }))).toBe('bad_signature');
    const [h, p, s] = good.split('.') as [string, string, string];
    const tampered = Buffer.from(JSON.stringify({ ...claims, decision: 'rejected' })).toString('base64url');
    expect(why(`${h}.${tampered}.${s}`)).toBe('bad_signature');
    expect(why(`${h}.${p}.${s.slice(0, -4)}AAAA`)).toBe('bad_signature');
    // The same bytes spelt another way (the last character's spare bits).
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const respelt = `${s.slice(0, -1)}${alphabet[alphabet.indexOf(s.at(-1) ?? 'A') ^ 1]}`;
    expect(Buffer.from(respelt, 'base64url').equals(Buffer.from(s, 'base64url'))).toBe(true);
    expect(why(`${h}.${p}.${respelt}`)).toBe('malformed');
    expect(why(signTestReceipt(current.privateKey, claims, { kid: current.jwk.kid, alg: 'HS256' }))).toBe(
      'unsupported',
    );
    expect(why(signTestReceipt(current.privateKey, claims, { kid: current.jwk.kid, typ: 'JWT' }))).toBe('unsupported');
    expect(why(signTestReceipt(current.privateKey, claims, {}))).toBe('malformed');
    expect(why(signTestReceipt(current.privateKey, { ...claims, sub: 7 }, { kid: current.jwk.kid }))).toBe('malformed');
    expect(why(good, { now: (claims.exp + 1) * 1000 })).toBe('expired');
    expect(why(good, { now: (claims.exp + 1) * 1000, clockToleranceSeconds: 5 })).toBe('valid');
    expect(why(good, { now: (claims.iat - 60) * 1000 })).toBe('not_yet_valid');
    expect(why(good, { pauseId: 'pse_2' })).toBe('wrong_pause');
    expect(why(good, { actionDigest: 'sha256:other' })).toBe('wrong_action');
    expect(why(good, { issuer: 'https://elsewhere.example' })).toBe('wrong_issuer');
    expect(verifyReceipt(good, 'not json')).toMatchObject({ valid: false, reason: 'malformed' });
  });

  it("is the looppause package's export too", () => {
    expect(looppause.verifyReceipt).toBe(verifyReceipt);
    expect(looppause.RECEIPT_TYPE).toBe('looppause-receipt+jwt');
  });

  it('never throws, whatever it is given', () => {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), (receipt, keys) => {
        const result = verifyReceipt(receipt as string, keys as never);
        expect(result.valid).toBe(false);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.array(fc.base64String(), { minLength: 3, maxLength: 3 }), (parts) => {
        expect(verifyReceipt(parts.join('.').replace(/[+/=]/g, ''), jwks).valid).toBe(false);
      }),
    );
  });
});
