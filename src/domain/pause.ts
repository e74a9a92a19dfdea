import type { ApprovalRequest } from './schemas.js';
import type { SignedDecision } from './signing.js';
import type { PauseStatus } from './vocabulary.js';

/** What a surface knows about delivering one pause; stored per channel beside the pause. */
export interface SlackDelivery {
  /** `retrying`: a transient failure (Slack 5xx, timeout); the job runner tries again with backoff. */
  state: 'posted' | 'retrying' | 'failed';
  channel?: string;
  ts?: string;
  error?: string;
  at: string;
}

export interface EmailDelivery {
  state: 'scheduled' | 'sent' | 'retrying' | 'failed';
  attempts: number;
  error?: string;
  message_id?: string;
  at: string;
}

export interface Deliveries {
  slack?: SlackDelivery;
  email?: EmailDelivery;
}

export interface Pause {
  pause_id: string;
  agent_id: string;
  status: PauseStatus;
  created_at: string;
  expires_at: string;
  request: ApprovalRequest;
  action_digest: string;
  response?: SignedDecision;
  ended_at?: string;
  cancel_reason?: string;
  /** The operator policy rule that matched the request, when a policy file is in force. */
  policy_rule?: string;
  delivery: Deliveries;
}

export const MANDATORY_NEXT_STEP =
  'STOP. Do not perform this action yet. A human has been asked. Call check_approval with this pause_id ' +
  '(use wait_seconds up to 50 to wait efficiently) until it returns status "responded". Proceed only if ' +
  'response.decision is "approved"; if it is "rejected", or the status is "timed_out" or "expired", do not perform the action.';

const PENDING_HINT =
  'No decision yet. Do not act. Call check_approval again (wait_seconds up to 50) until the status changes.';

/** A pending pause whose deadline has passed is timed out, whether or not the store has noticed yet. */
export function effectiveStatus(pause: Pick<Pause, 'status' | 'expires_at'>, nowMs: number): PauseStatus {
  if (pause.status === 'pending' && Date.parse(pause.expires_at) <= nowMs) return 'timed_out';
  return pause.status;
}

export function withEffectiveStatus(pause: Pause, nowMs: number): Pause {
  const status = effectiveStatus(pause, nowMs);
  if (status === pause.status) return pause;
  return { ...pause, status, ended_at: pause.expires_at };
}

export function expiresAt(createdMs: number, timeoutHours: number): number {
  return createdMs + Math.round(timeoutHours * 3_600_000);
}

/** Approvers match case-insensitively on e-mail; Slack ids match exactly. */
export function mayDecide(pause: Pause, identities: ReadonlyArray<string | undefined>): boolean {
  const approvers = pause.request.approvers;
  if (!approvers || approvers.length === 0) return true;
  const allowed = new Set(approvers.map((a) => (a.includes('@') ? a.toLowerCase() : a)));
  return identities.some((id) => id !== undefined && allowed.has(id.includes('@') ? id.toLowerCase() : id));
}

export interface PauseView {
  pause_id: string;
  agent_id: string;
  status: PauseStatus;
  created_at: string;
  expires_at: string;
  response?: SignedDecision;
  cancel_reason?: string;
  policy_rule?: string;
  message?: string;
}

/** The record an agent sees from check_approval. */
export function toView(pause: Pause): PauseView {
  const view: PauseView = {
    pause_id: pause.pause_id,
    agent_id: pause.agent_id,
    status: pause.status,
    created_at: pause.created_at,
    expires_at: pause.expires_at,
  };
  if (pause.response) view.response = pause.response;
  if (pause.status === 'expired' && pause.cancel_reason) view.cancel_reason = pause.cancel_reason;
  if (pause.policy_rule !== undefined) view.policy_rule = pause.policy_rule;
  if (pause.status === 'pending') view.message = PENDING_HINT;
  return view;
}
