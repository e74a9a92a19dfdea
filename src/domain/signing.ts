import { createHmac, timingSafeEqual } from 'node:crypto';
import { type Approval, sortedFields } from './approvals/votes.js';
import { sha256Hex } from './hash.js';
import type { Decision, DecisionChannel } from './vocabulary.js';

/** The signed decision (docs/api.md, "The signed decision"). Everything here is pure; the secret is passed in. */

export interface UnsignedDecision {
  decision: Decision;
  comment: string;
  fields: Record<string, string>;
  responder: string;
  responded_at: string;
  channel: DecisionChannel;
  nonce: string;
  pause_id: string;
  action_digest: string;
  /** Human decisions: the approving votes in order; the last one decided an approval. */
  approvals?: Approval[];
  /** The deciding vote was a delegate's: the away approver it stood for. Absent otherwise. */
  on_behalf_of?: string;
  /**
   * Tool calls approved "for this session": until when the same call in the same session passes
   * without asking (ISO time). Absent otherwise.
   */
  remember_until?: string;
  /** The Ed25519 receipt (a compact JWS); inside the response, so the HMAC covers it. Absent on decisions signed before receipts. */
  receipt?: string;
}

export interface SignedDecision extends UnsignedDecision {
  signature: string;
}

/**
 * sha256 hex of the canonical {action_description, action_details}: top-level keys
 * sorted, values exactly as the agent sent them — so an agent computes it from its own request
 * with `JSON.stringify({ action_description, action_details })`. Key order inside
 * `action_details` is kept, not sorted: that is the documented canonical form.
 */
export function actionDigest(action: { action_description: string; action_details: Record<string, string> }): string {
  const canonical = JSON.stringify({
    action_description: action.action_description,
    action_details: action.action_details,
  });
  return sha256Hex(canonical);
}

/**
 * The string that is signed: the response without `signature`, top-level keys sorted.
 * Nested values (`fields`, each `approvals` entry and its `fields`) are built with sorted keys, so a verifier that sorts only the top
 * level (the documented recipe) and one that sorts recursively compute the same bytes.
 */
function signingInput(response: Record<string, unknown>): string {
  const { signature: _ignored, ...rest } = response;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(rest).sort()) sorted[key] = rest[key];
  return JSON.stringify(sorted);
}

export function signDecision(secret: string, decision: UnsignedDecision): SignedDecision {
  const fields = sortedFields(decision.fields);
  // Approvals rebuilt with sorted keys too, their own answers included, for the same reason.
  const approvals = decision.approvals?.map((a) => ({
    channel: a.channel,
    comment: a.comment,
    fields: sortedFields(a.fields),
    ...(a.on_behalf_of === undefined ? {} : { on_behalf_of: a.on_behalf_of }),
    responded_at: a.responded_at,
    responder: a.responder,
  }));
  const normalized = { ...decision, fields, ...(approvals ? { approvals } : {}) };
  const hmac = createHmac('sha256', secret).update(signingInput(normalized)).digest('hex');
  return { ...normalized, signature: `sha256=${hmac}` };
}

export interface VerifyExpectations {
  pause_id?: string;
  action?: { action_description: string; action_details: Record<string, string> };
}

export type VerifyResult = { ok: true } | { ok: false; reason: string };

/**
 * For agent authors: checks a `response` object from check_approval. Pass `pause_id` and the
 * action you asked about to be sure the approval is for *this* action and not a replay.
 */
export function verifyDecision(secret: string, response: unknown, expect: VerifyExpectations = {}): VerifyResult {
  if (response === null || typeof response !== 'object') return { ok: false, reason: 'response is not an object' };
  const record = response as Record<string, unknown>;
  const signature = record.signature;
  if (typeof signature !== 'string' || !signature.startsWith('sha256=')) {
    return { ok: false, reason: 'signature is missing or not of the form sha256=<hex>' };
  }
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(signingInput(record)).digest('hex')}`);
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return { ok: false, reason: 'signature does not match' };
  }
  if (expect.pause_id !== undefined && record.pause_id !== expect.pause_id) {
    return { ok: false, reason: 'signed for another pause' };
  }
  if (expect.action !== undefined && record.action_digest !== actionDigest(expect.action)) {
    return { ok: false, reason: 'signed for another action' };
  }
  return { ok: true };
}
