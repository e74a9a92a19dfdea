import type { Pause } from '../domain/pause.js';
import { signDecision as hmacSign, type SignedDecision, type UnsignedDecision } from '../domain/signing.js';
import type { PolicySource } from '../use-cases/policy-gate.js';
import type { ReceiptFacts, ReceiptSigner } from './signer.js';

export interface SigningDeps {
  signingSecret: string;
  /** Signs the decision's receipt; absent only in tests that predate receipts. */
  receipts?: ReceiptSigner | undefined;
  /** The policy in force, for the receipt's `policy_digest`. */
  policy?: PolicySource | undefined;
}

export type DecisionPause = Pick<Pause, 'pause_id' | 'action_digest' | 'agent_id' | 'policy_rule'>;

/**
 * Every decision is signed here, human or policy: the Ed25519 receipt first, then the HMAC over
 * the whole response, `receipt` included, so the documented HMAC check still covers everything.
 * Async (the receipt), so callers sign before their atomic store step.
 */
export async function signDecision(
  deps: SigningDeps,
  pause: DecisionPause,
  decision: Omit<UnsignedDecision, 'receipt'>,
): Promise<SignedDecision> {
  const receipt = deps.receipts ? await deps.receipts.sign(receiptFacts(deps, pause, decision)) : undefined;
  return hmacSign(deps.signingSecret, { ...decision, ...(receipt === undefined ? {} : { receipt }) });
}

/** The receipt's claims for a decision on `pause`. */
export function receiptFacts(
  deps: Pick<SigningDeps, 'policy'>,
  pause: DecisionPause,
  decision: Omit<UnsignedDecision, 'receipt'>,
): ReceiptFacts {
  const policyDigest = deps.policy?.current().digest;
  return {
    sub: pause.pause_id,
    jti: decision.nonce,
    iat: Math.floor(Date.parse(decision.responded_at) / 1000),
    decision: decision.decision,
    action_digest: decision.action_digest,
    agent_id: pause.agent_id,
    approvers: approversOf(decision),
    ...onBehalfOf(decision),
    ...(pause.policy_rule === undefined ? {} : { policy_rule: pause.policy_rule }),
    ...(policyDigest === undefined ? {} : { policy_digest: policyDigest }),
  };
}

/** `on_behalf_of` for the receipt: each approving delegate and whom they stood for; nothing when none did. */
function onBehalfOf(decision: Pick<UnsignedDecision, 'decision' | 'approvals' | 'responder' | 'on_behalf_of'>): {
  on_behalf_of?: Record<string, string>;
} {
  if (decision.decision === 'rejected') {
    return decision.on_behalf_of === undefined ? {} : { on_behalf_of: { [decision.responder]: decision.on_behalf_of } };
  }
  const delegated = (decision.approvals ?? []).filter((a) => a.on_behalf_of !== undefined);
  if (delegated.length === 0) return {};
  return { on_behalf_of: Object.fromEntries(delegated.map((a) => [a.responder, a.on_behalf_of as string])) };
}

/**
 * The humans whose votes made the decision, in order: every approval of an approval; the one who
 * rejected a rejection; `policy:<rule>` when the policy decided.
 */
export function approversOf(
  decision: Pick<UnsignedDecision, 'channel' | 'decision' | 'responder' | 'approvals'>,
): string[] {
  if (decision.channel === 'policy') return [decision.responder];
  if (decision.decision === 'rejected') return [decision.responder];
  const approvals = decision.approvals ?? [];
  return approvals.length > 0 ? approvals.map((a) => a.responder) : [decision.responder];
}
