/** What the store keeps for a redeemed receipt, under its `jti`, until the receipt expires. */
export interface ReceiptRedemption {
  pause_id: string;
  /** When it was redeemed, ms. */
  redeemed_at: number;
}

export type RedeemOutcome =
  | { outcome: 'redeemed' }
  /** Its `jti` was redeemed before (and the receipt has not expired since): nothing changed. */
  | { outcome: 'used'; first: ReceiptRedemption }
  /** `expiresAtMs` is not after `nowMs`: nothing is recorded. */
  | { outcome: 'expired' };

/**
 * Single use of signed decision receipts: a receipt's `jti` is marked used at most once, atomically
 * (two replicas racing on one receipt, one redeems it). The record is kept until the receipt's own
 * expiry, then dropped: after that the receipt is refused for its `exp` anyway.
 */
export interface ReceiptRedemptions {
  redeemReceipt(jti: string, redemption: ReceiptRedemption, expiresAtMs: number, nowMs: number): Promise<RedeemOutcome>;
}
