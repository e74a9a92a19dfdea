import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { hasVoted, identityCheck, voterKeys } from '../domain/approvals/index.js';
import { sha256Hex } from '../domain/hash.js';
import { newSecretToken } from '../domain/ids.js';
import type { Pause } from '../domain/pause.js';
import type { DecisionTokens } from '../store/ports/decision-tokens.js';
import { RETENTION_MS } from '../store/ports/pauses.js';

/** base64url of 32 random bytes. Anything else is not a token and is answered 404 without a lookup. */
export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** The store keeps only this: a leaked database holds no working link. */
export function hashToken(token: string): string {
  return sha256Hex(token);
}

/**
 * A fresh 256-bit decision token for the pause's recipient, stored hashed. It decides only while
 * the pause is pending (the page checks the pause); the record is kept as long as the finished
 * pause is, so a late click is told what happened instead of "unknown link".
 */
export async function issueDecisionToken(store: DecisionTokens, pause: Pause, recipient: string): Promise<string> {
  const token = newSecretToken();
  await store.putDecisionToken(
    hashToken(token),
    { pause_id: pause.pause_id, recipient },
    Date.parse(pause.expires_at) + RETENTION_MS,
  );
  return token;
}

/**
 * The server key behind form keys: its own key derived from the signing secret (so the key that
 * signs decisions signs nothing else), the same on every replica. Without one in the config
 * (development: the generated secret stays in main) a per-process key; a restart stales open pages.
 */
export function formKeySecret(signingSecret: string | undefined): Buffer {
  if (signingSecret === undefined) return randomBytes(32);
  return createHmac('sha256', signingSecret).update('looppause-form-key').digest();
}

/** The hidden form field that must come back with a POST: an HMAC of the token, never stored. */
export function formKey(secret: Buffer, token: string): string {
  return createHmac('sha256', secret).update(token).digest('base64url');
}

export function formKeyMatches(secret: Buffer, token: string, given: string): boolean {
  const expected = Buffer.from(formKey(secret, token));
  const actual = Buffer.from(given);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** Why `recipient` has nothing left to decide on a pending pause: they voted (any spelling of their e-mail), or they own the excluded key. */
export function recipientDone(pause: Pause, recipient: string): 'voted' | 'owner' | undefined {
  if (hasVoted(pause.votes ?? [], voterKeys([recipient]))) return 'voted';
  if (identityCheck(pause, [recipient]) === 'owner') return 'owner';
  return undefined;
}
