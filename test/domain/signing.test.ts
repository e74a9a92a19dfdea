import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { actionDigest, signDecision, type UnsignedDecision, verifyDecision } from '../../src/domain/signing.js';

const SECRET = 'a-signing-secret-of-at-least-32-chars!!';
const action = { action_description: 'Drop table users', action_details: { env: 'prod', db: 'main' } };

function decision(overrides: Partial<UnsignedDecision> = {}): UnsignedDecision {
  return {
    decision: 'approved',
    comment: 'ok',
    fields: { po: '42', cost_center: 'eng' },
    responder: 'ada@example.com',
    responded_at: '2026-01-01T00:00:00.000Z',
    channel: 'slack',
    nonce: '00112233445566778899aabbccddeeff',
    pause_id: 'pse_aaaaaaaaaaaaaaaaaaaaaaaaaa',
    action_digest: actionDigest(action),
    ...overrides,
  };
}

/** An agent author's verifier, written from the documented recipe alone. */
function verifyLikeAnAgent(secret: string, jsonText: string): boolean {
  const response = JSON.parse(jsonText) as Record<string, unknown>;
  const { signature, ...rest } = response;
  const sorted = Object.fromEntries(Object.entries(rest).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const expected = `sha256=${createHmac('sha256', secret).update(JSON.stringify(sorted)).digest('hex')}`;
  return (
    typeof signature === 'string' &&
    signature.length === expected.length &&
    timingSafeEqual(Buffer.from(signature), Buffer.from(expected))
  );
}

describe('decision signing', () => {
  it('verifies with only the documented recipe, after a JSON round trip', () => {
    const signed = signDecision(SECRET, decision());
    expect(signed.signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifyLikeAnAgent(SECRET, JSON.stringify(signed))).toBe(true);
    expect(verifyLikeAnAgent('another-secret-of-at-least-32-chars!!', JSON.stringify(signed))).toBe(false);
  });

  it('rejects any change to a signed field', () => {
    const signed = signDecision(SECRET, decision({ decision: 'rejected' }));
    for (const [key, value] of [
      ['decision', 'approved'],
      ['pause_id', 'pse_bbbbbbbbbbbbbbbbbbbbbbbbbb'],
      ['comment', 'ok!'],
      ['fields', { po: '43', cost_center: 'eng' }],
    ] as const) {
      const forged = { ...signed, [key]: value };
      expect(verifyDecision(SECRET, forged).ok, key).toBe(false);
      expect(verifyLikeAnAgent(SECRET, JSON.stringify(forged)), key).toBe(false);
    }
  });

  it('sorts the response fields so top-level and recursive canonical forms agree', () => {
    const signed = signDecision(SECRET, decision());
    expect(Object.keys(signed.fields)).toEqual(['cost_center', 'po']);
    const { signature: _s, ...rest } = signed;
    const hmac = createHmac('sha256', SECRET)
      .update(JSON.stringify(sortedDeep(rest)))
      .digest('hex');
    expect(signed.signature).toBe(`sha256=${hmac}`);
  });

  it('binds a decision to one pause and one action', () => {
    const signed = signDecision(SECRET, decision());
    expect(verifyDecision(SECRET, signed, { pause_id: signed.pause_id, action }).ok).toBe(true);
    expect(verifyDecision(SECRET, signed, { pause_id: 'pse_cccccccccccccccccccccccccc' })).toEqual({
      ok: false,
      reason: 'signed for another pause',
    });
    const other = { ...action, action_details: { env: 'staging', db: 'main' } };
    expect(verifyDecision(SECRET, signed, { action: other })).toEqual({
      ok: false,
      reason: 'signed for another action',
    });
  });

  it('computes the action digest as an agent would from its own request', () => {
    const agentDigest = createHash('sha256')
      .update(JSON.stringify({ action_description: action.action_description, action_details: action.action_details }))
      .digest('hex');
    expect(actionDigest(action)).toBe(agentDigest);
    // Top-level order does not matter; the details are taken exactly as sent.
    const topReordered = { action_details: action.action_details, action_description: action.action_description };
    expect(actionDigest(topReordered)).toBe(agentDigest);
    expect(actionDigest({ ...action, action_description: 'Drop table user' })).not.toBe(agentDigest);
  });

  it('refuses malformed input', () => {
    expect(verifyDecision(SECRET, null).ok).toBe(false);
    expect(verifyDecision(SECRET, { decision: 'approved' }).ok).toBe(false);
    expect(verifyDecision(SECRET, { ...signDecision(SECRET, decision()), signature: 'sha256=00' }).ok).toBe(false);
  });
});

/** A verifier that sorts keys at every level, as some agent authors will write it. */
function sortedDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedDeep);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([k, v]) => [k, sortedDeep(v)]));
}
