import { z } from 'zod';
import { LoopPauseError } from '../domain/errors.js';
import { parseInput } from '../domain/validation.js';
import { type ReceiptClaims, type ReceiptJwks, verifyReceipt } from '../receipts/verify-receipt.js';
import type { ReceiptRedemptions } from '../store/ports/receipt-redemptions.js';

export interface RedeemReceiptDeps {
  redemptions: ReceiptRedemptions;
  /** The service's own public keys, current and previous: only its receipts are redeemed. */
  jwks: () => ReceiptJwks;
  /** The service's public URL: a receipt's `iss` must be it. */
  issuer: string;
  now: () => number;
}

/** Who asks: an API key's name, and whether it is an admin key. */
export interface RedeemCaller {
  agentId: string;
  admin: boolean;
}

export interface Redeemed {
  redeemed: true;
  claims: ReceiptClaims;
}

const MAX_RECEIPT_LENGTH = 16_384;

const redeemInput = z.strictObject({
  receipt: z
    .string({ error: 'must be a receipt (a compact JWS string)' })
    .min(1, 'must not be empty')
    .max(MAX_RECEIPT_LENGTH, `must be at most ${MAX_RECEIPT_LENGTH} characters`),
});

/**
 * `POST /v1/receipts/redeem`: verifies a receipt this service signed and uses it up, once. The key
 * that created the pause (the receipt's `agent_id`) or an admin key may redeem it; any other key
 * is told there is no such receipt (404, as for another key's pause) and uses nothing up.
 */
export async function redeemReceipt(deps: RedeemReceiptDeps, caller: RedeemCaller, body: unknown): Promise<Redeemed> {
  const { receipt } = parseInput(redeemInput, body);
  const nowMs = deps.now();
  const result = verifyReceipt(receipt, deps.jwks(), { issuer: deps.issuer, now: nowMs });
  if (!result.valid) {
    throw new LoopPauseError(
      'invalid_argument',
      `receipt: not a valid receipt of this service (${result.reason}: ${result.message})`,
      'receipt',
    );
  }
  const { claims } = result;
  if (!caller.admin && claims.agent_id !== caller.agentId) {
    throw new LoopPauseError('not_found', `no receipt for ${claims.sub} that this API key may redeem`);
  }
  const outcome = await deps.redemptions.redeemReceipt(
    claims.jti,
    { pause_id: claims.sub, redeemed_at: nowMs },
    claims.exp * 1000,
    nowMs,
  );
  if (outcome.outcome === 'expired') {
    throw new LoopPauseError('invalid_argument', 'receipt: not a valid receipt of this service (expired)', 'receipt');
  }
  if (outcome.outcome === 'used') {
    const at = outcome.first.redeemed_at > 0 ? ` at ${new Date(outcome.first.redeemed_at).toISOString()}` : '';
    throw new LoopPauseError('conflict', `this receipt was already redeemed${at}`);
  }
  return { redeemed: true, claims };
}
