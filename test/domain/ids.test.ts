import { describe, expect, it } from 'vitest';
import { newNonce, newPauseId, newSecretToken, PAUSE_ID_PATTERN } from '../../src/domain/ids.js';

describe('ids', () => {
  it('makes pse_ ids with 128 random bits, all different', () => {
    const ids = new Set(Array.from({ length: 2000 }, newPauseId));
    expect(ids.size).toBe(2000);
    for (const id of ids) expect(id).toMatch(PAUSE_ID_PATTERN);
    // 26 base32 characters carry 130 bits, at least 128 of them random.
    expect([...ids][0]).toHaveLength(4 + 26);
  });

  it('uses the whole base32 alphabet', () => {
    const chars = new Set(Array.from({ length: 500 }, newPauseId).join('').slice(4));
    expect(chars.size).toBeGreaterThan(30);
  });

  it('makes 128-bit nonces and 256-bit tokens', () => {
    expect(newNonce()).toMatch(/^[0-9a-f]{32}$/);
    expect(Buffer.from(newSecretToken(), 'base64url')).toHaveLength(32);
    expect(newNonce()).not.toBe(newNonce());
  });
});
