import type { ReceiptRedemption, ReceiptRedemptions, RedeemOutcome } from './ports/receipt-redemptions.js';

/** MemoryReceiptRedemptions' state as plain data (memory-snapshot.ts). */
export interface MemoryReceiptRedemptionsState {
  redeemed: [string, { value: ReceiptRedemption; until: number }][];
}

/** Records kept before a redeem sweeps out the expired ones. */
const SWEEP_AT = 10_000;

/**
 * Redeemed receipts for the embedded memory store (one process, so a check and a set in one call
 * are atomic). It reads no clock: what has expired is judged by the `nowMs` callers give.
 */
export class MemoryReceiptRedemptions implements ReceiptRedemptions {
  private readonly redeemed = new Map<string, { value: ReceiptRedemption; until: number }>();

  async redeemReceipt(
    jti: string,
    redemption: ReceiptRedemption,
    expiresAtMs: number,
    nowMs: number,
  ): Promise<RedeemOutcome> {
    if (expiresAtMs <= nowMs) return { outcome: 'expired' };
    if (this.redeemed.size >= SWEEP_AT) {
      for (const [key, entry] of this.redeemed) if (entry.until <= nowMs) this.redeemed.delete(key);
    }
    const first = this.redeemed.get(jti);
    if (first && first.until > nowMs) return { outcome: 'used', first: { ...first.value } };
    this.redeemed.set(jti, { value: { ...redemption }, until: expiresAtMs });
    return { outcome: 'redeemed' };
  }

  /** How many records are held (expired ones included until a sweep). */
  get size(): number {
    return this.redeemed.size;
  }

  snapshot(): MemoryReceiptRedemptionsState {
    return { redeemed: [...this.redeemed].map(([k, v]) => [k, { value: { ...v.value }, until: v.until }]) };
  }

  restore(state: MemoryReceiptRedemptionsState): void {
    this.redeemed.clear();
    for (const [k, v] of state.redeemed) this.redeemed.set(k, { value: { ...v.value }, until: v.until });
  }
}
