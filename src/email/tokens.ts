import { createHash, timingSafeEqual } from 'node:crypto';
import { newSecretToken } from '../domain/ids.js';
import type { Pause } from '../domain/pause.js';
import { RETENTION_MS, type Store } from '../store/store.js';

/** base64url of 32 random bytes. Anything else is not a token and is answered 404 without a lookup. */
export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** The store keeps only this: a leaked database holds no working link. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * A fresh 256-bit decision token for the pause's recipient, stored hashed. It decides only while
 * the pause is pending (the page checks the pause); the record is kept as long as the finished
 * pause is, so a late click is told what happened instead of "unknown link".
 */
export async function issueDecisionToken(store: Store, pause: Pause, recipient: string): Promise<string> {
  const token = newSecretToken();
  await store.putDecisionToken(
    hashToken(token),
    { pause_id: pause.pause_id, recipient },
    Date.parse(pause.expires_at) + RETENTION_MS,
  );
  return token;
}

/** The hidden form field that must come back with a POST: derived from the token, never stored. */
export function formKey(token: string): string {
  return createHash('sha256').update(`looppause-decide-form\n${token}`).digest('base64url').slice(0, 32);
}

export function formKeyMatches(token: string, given: string): boolean {
  const expected = Buffer.from(formKey(token));
  const actual = Buffer.from(given);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
