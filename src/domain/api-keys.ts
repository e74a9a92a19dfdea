import { sha256Hex } from './hash.js';
import { newSecretToken } from './ids.js';

/**
 * An API key's name: the agent id its requests carry (a pause's `agent_id`). The same rule for keys
 * set in LOOPPAUSE_API_KEYS and keys minted by the CLI or the dashboard.
 */
export const KEY_NAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

export function isKeyName(value: string): boolean {
  return KEY_NAME_PATTERN.test(value);
}

/** Every minted key starts so, which makes a leaked key easy to recognise (secret scanners). */
export const API_KEY_PREFIX = 'lp_';

/** A fresh key to hand out once: the prefix and 256 random bits. */
export function newApiKey(): string {
  return `${API_KEY_PREFIX}${newSecretToken()}`;
}

/** What the store keeps of a key: its SHA-256, never the key. */
export function hashApiKey(key: string): string {
  return sha256Hex(key);
}
