import { notFound } from '../domain/errors.js';
import { missingRequired, pickAnswers } from '../domain/fields.js';
import { newNonce } from '../domain/ids.js';
import { mayDecide, type Pause } from '../domain/pause.js';
import { signDecision } from '../domain/signing.js';
import type { Decision, DecisionChannel } from '../domain/vocabulary.js';
import type { UseCaseDeps } from './deps.js';
import { loadPause } from './load-pause.js';

export interface DecideDeps extends UseCaseDeps {
  signingSecret: string;
}

export interface DecisionInput {
  decision: Decision;
  comment?: string;
  fields?: Record<string, string>;
  /** E-mail where known, else the Slack user id. */
  responder: string;
  channel: DecisionChannel;
  /** Every identity of the human (e-mail, Slack id) checked against `approvers`. */
  identities: string[];
}

export type DecideOutcome =
  | { outcome: 'decided'; pause: Pause }
  | { outcome: 'already_final'; pause: Pause }
  | { outcome: 'not_approver'; pause: Pause }
  | { outcome: 'missing_fields'; pause: Pause; fields: string[] };

/** A human decides. Exactly one decision wins, whatever the races; the others get the winner. */
export async function decideApproval(deps: DecideDeps, pauseId: string, input: DecisionInput): Promise<DecideOutcome> {
  const pause = await loadPause(deps, pauseId);
  if (!pause) throw notFound(pauseId);
  if (pause.status !== 'pending') return { outcome: 'already_final', pause };
  if (!mayDecide(pause, input.identities)) return { outcome: 'not_approver', pause };
  const asked = pause.request.response_fields ?? [];
  const fields = pickAnswers(asked, input.fields ?? {});
  const missing = missingRequired(asked, fields);
  if (input.decision === 'approved' && missing.length > 0) return { outcome: 'missing_fields', pause, fields: missing };
  const nowMs = deps.now();
  const response = signDecision(deps.signingSecret, {
    decision: input.decision,
    comment: input.comment ?? '',
    fields,
    responder: input.responder,
    responded_at: new Date(nowMs).toISOString(),
    channel: input.channel,
    nonce: newNonce(),
    pause_id: pauseId,
    action_digest: pause.action_digest,
  });
  const result = await deps.store.decide(pauseId, response, nowMs);
  if (result.outcome === 'not_found') throw notFound(pauseId);
  if (result.outcome === 'ended') {
    deps.metrics?.pausesEnded.inc({ outcome: input.decision, channel: input.channel });
    deps.metrics?.timeToDecision.observe({ channel: input.channel }, (nowMs - Date.parse(pause.created_at)) / 1000);
  }
  return { outcome: result.outcome === 'ended' ? 'decided' : 'already_final', pause: result.pause };
}

/**
 * The operator's policy decides (a `decide:` rule): signed like a human's decision, so agents verify
 * it the same way, with channel `policy` and the rule as responder.
 */
export async function decideByPolicy(deps: DecideDeps, pause: Pause, decision: Decision, rule: string): Promise<void> {
  const nowMs = deps.now();
  const response = signDecision(deps.signingSecret, {
    decision,
    comment: '',
    fields: {},
    responder: `policy:${rule}`,
    responded_at: new Date(nowMs).toISOString(),
    channel: 'policy',
    nonce: newNonce(),
    pause_id: pause.pause_id,
    action_digest: pause.action_digest,
  });
  const result = await deps.store.decide(pause.pause_id, response, nowMs);
  if (result.outcome === 'ended') deps.metrics?.pausesEnded.inc({ outcome: decision, channel: 'policy' });
}
