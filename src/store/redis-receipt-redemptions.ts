import type { ReceiptRedemption, ReceiptRedemptions, RedeemOutcome } from './ports/receipt-redemptions.js';
import type { RedisContext } from './redis-connection.js';
import { redeemScript } from './scripts/redeem.js';

/**
 * Redeemed receipts on Redis: one key per `jti`, set in one script (check and set together, so two
 * replicas racing on one receipt see one redeem it) and expiring at the receipt's `exp` (PXAT), or a
 * minute from Redis's own now if that is later, so a caller's clock behind Redis's cannot outlive
 * the record; whether a record counts is judged by the receipt's expiry and the caller's `now`.
 */
export class RedisReceiptRedemptions implements ReceiptRedemptions {
  constructor(private readonly context: RedisContext) {}

  async redeemReceipt(
    jti: string,
    redemption: ReceiptRedemption,
    expiresAtMs: number,
    nowMs: number,
  ): Promise<RedeemOutcome> {
    const reply = await redeemScript.run(this.context, {
      jti,
      nowMs,
      expiresAtMs,
      record: JSON.stringify(redemption),
    });
    if ('expired' in reply) return { outcome: 'expired' };
    if (reply.redeemed) return { outcome: 'redeemed' };
    return { outcome: 'used', first: parseRecord(reply.first) };
  }
}

function parseRecord(raw: string): ReceiptRedemption {
  try {
    const value = JSON.parse(raw) as Partial<ReceiptRedemption>;
    return { pause_id: String(value.pause_id ?? ''), redeemed_at: Number(value.redeemed_at ?? 0) };
  } catch {
    return { pause_id: '', redeemed_at: 0 };
  }
}
