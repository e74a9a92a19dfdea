import { defineScript } from '../lua-scripts.js';
import { redisReceiptKeys } from '../redis-keys.js';

export interface RedeemInput {
  jti: string;
  nowMs: number;
  expiresAtMs: number;
  /** The redemption record, JSON. */
  record: string;
}

export type RedeemReply = { redeemed: true } | { redeemed: false; first: string } | { expired: true };

/** lua/redeem-1.lua: marks a receipt's jti used until it expires, once. */
export const redeemScript = defineScript({
  name: 'redeem',
  numKeys: 1,
  keys: (k, { jti }: RedeemInput) => [redisReceiptKeys(k.base).redeemed(jti)] as const,
  args: (_k, { nowMs, expiresAtMs, record }: RedeemInput) => [
    /* 1 */ nowMs,
    /* 2 */ Math.ceil(expiresAtMs),
    /* 3 */ record,
  ],
  durable: true,
  reply: (raw): RedeemReply => {
    const [code, first] = raw as [number, string?];
    if (code === 1) return { redeemed: true };
    if (code === 0 && typeof first === 'string') return { redeemed: false, first };
    return { expired: true };
  },
});
