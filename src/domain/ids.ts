import { randomBytes } from 'node:crypto';

/** `pse_` + 128 random bits in base32 (26 chars): unguessable, URL- and Slack-safe. */
export function newPauseId(): string {
  return `pse_${base32(randomBytes(16))}`;
}

/** 128 random bits, hex: fresh per decision. */
export function newNonce(): string {
  return randomBytes(16).toString('hex');
}

/** 256 random bits, base64url: e-mail decision links and API keys. */
export function newSecretToken(): string {
  return randomBytes(32).toString('base64url');
}

export const PAUSE_ID_PATTERN = /^pse_[a-z2-7]{26}$/;

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}
