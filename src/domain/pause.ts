import { type ApprovalPlan, approvalsOf, type Vote } from './approvals/index.js';
import type { ApprovalRequest } from './schemas.js';
import type { SignedDecision } from './signing.js';
import type { ToolCallRecord } from './tool-calls.js';
import { type Decision, type PauseState, type PauseStatus, wireStatus } from './vocabulary.js';

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

/** One e-mail reminder or escalation step, recorded so a retry after success sends nothing. */
export interface EmailStepDelivery {
  /** `skipped`: nothing to send (the recipient already voted, or the request e-mail never went out). */
  state: 'sent' | 'skipped' | 'retrying' | 'failed';
  to?: string;
  attempts: number;
  message_id?: string;
  reason?: string;
  error?: string;
  at: string;
}

export interface Deliveries {
  slack?: SlackDelivery;
  email?: EmailDelivery;
  /** The e-mail reminder for `plan.remind_after_ms[n]`. */
  [reminder: `email_remind_${number}`]: EmailStepDelivery | undefined;
  /** The request e-mailed to `plan.escalate[n].route.email`. */
  [escalation: `email_escalate_${number}`]: EmailStepDelivery | undefined;
  /** The request e-mailed to an away approver's delegate (`delegateKey` of their address). */
  [delegate: `email_delegate_${string}`]: EmailStepDelivery | undefined;
  /** The Slack reminder for `plan.remind_after_ms[n]`: a reply in the request's thread, posted once. */
  [reminder: `slack_remind_${number}`]: SlackDelivery | undefined;
  /** The request posted to `plan.escalate[n].route.slack`: updated with every other message of the pause. */
  [escalation: `slack_escalate_${number}`]: SlackDelivery | undefined;
}

export interface Pause {
  pause_id: string;
  agent_id: string;
  status: PauseState;
  created_at: string;
  expires_at: string;
  request: ApprovalRequest;
  action_digest: string;
  response?: SignedDecision;
  ended_at?: string;
  cancel_reason?: string;
  /** The operator policy rule that matched the request, when a policy file is in force. */
  policy_rule?: string;
  /** Quorum, maker-checker, reminders, escalation and the timeout outcome, when a policy rule asks for them. */
  plan?: ApprovalPlan;
  /** Votes so far, in arrival order; the last one closed the pause when it is responded. */
  votes?: Vote[];
  /**
   * The policy's decision at the deadline (on_timeout: approved | rejected), unsigned: the runner's
   * sweep signs it (dated the deadline) in the step that ends the pause, so nothing holds a valid
   * signature for it before then.
   */
  timeout_decision?: TimeoutDecision;
  /** The same, as earlier versions stored it: signed when the pause was created. Still honoured at the deadline. */
  timeout_response?: SignedDecision;
  /**
   * A tool call a hook or the gateway asked about (`POST /v1/tool-calls`): the exact call the
   * decision binds to (`action_digest` is its digest). `request` holds its readable summary.
   */
  tool_call?: ToolCallRecord;
  /**
   * Tool calls: who acted on the approval (a hook that answered allow, the gateway that forwarded
   * the call). An approval is acted on once; an identical call after that asks again.
   */
  approval_claim?: string;
  delivery: Deliveries;
}

export const MANDATORY_NEXT_STEP =
  'STOP. Do not perform this action yet. A human has been asked. Call check_approval with this pause_id ' +
  '(use wait_seconds up to 50 to wait efficiently) until it returns status "responded". Proceed only if ' +
  'response.decision is "approved"; if it is "rejected", or the status is "timed_out" or "expired", do not perform the action.';

/**
 * The next step when the operator's policy decided the request at once (a `decide` rule): nobody
 * was asked, and the decision is there to read.
 */
export function policyDecidedNextStep(rule: string | undefined): string {
  const which = rule === undefined ? "the operator's policy" : `the operator's policy (rule "${rule}")`;
  return (
    `No human was asked: ${which} decided this request at once. Call check_approval with this pause_id ` +
    'to read the signed decision. Proceed only if response.decision is "approved"; if it is "rejected", do not perform the action.'
  );
}

const PENDING_HINT =
  'No decision yet. Do not act. Call check_approval again (wait_seconds up to 50) until the status changes.';

/** What an `on_timeout: approved | rejected` rule decides at the deadline, before it is signed. */
export interface TimeoutDecision {
  decision: Decision;
  /** The policy rule that decides: the signed decision's responder is `policy:<rule>`. */
  rule: string;
}

/** True while the policy, not a timeout, ends this pause at its deadline. */
export function decidesAtDeadline(pause: Pick<Pause, 'timeout_decision' | 'timeout_response'>): boolean {
  return pause.timeout_decision !== undefined || pause.timeout_response !== undefined;
}

/**
 * A pending pause whose deadline has passed has timed out, whether or not the store has noticed yet.
 * One the policy decides at its deadline stays pending until the runner's sweep (within a second of
 * the deadline) signs that decision and ends the pause with it: a reader never sees `responded`
 * without the signed decision the store holds, and no decision is signed before the deadline.
 */
export function effectiveStatus(
  pause: Pick<Pause, 'status' | 'expires_at' | 'timeout_decision' | 'timeout_response'>,
  nowMs: number,
): PauseState {
  if (pause.status === 'pending' && Date.parse(pause.expires_at) <= nowMs && !decidesAtDeadline(pause)) {
    return 'timed_out';
  }
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

export interface PauseView {
  pause_id: string;
  agent_id: string;
  status: PauseStatus;
  created_at: string;
  expires_at: string;
  response?: SignedDecision;
  cancel_reason?: string;
  policy_rule?: string;
  /** While pending: approvals so far and approvals needed. */
  approvals_received?: number;
  approvals_required?: number;
  message?: string;
}

/** The record an agent sees from check_approval. */
export function toView(pause: Pause): PauseView {
  const view: PauseView = {
    pause_id: pause.pause_id,
    agent_id: pause.agent_id,
    status: wireStatus(pause.status),
    created_at: pause.created_at,
    expires_at: pause.expires_at,
  };
  if (pause.response) view.response = pause.response;
  if (pause.status === 'cancelled' && pause.cancel_reason) view.cancel_reason = pause.cancel_reason;
  if (pause.policy_rule !== undefined) view.policy_rule = pause.policy_rule;
  if (pause.status === 'pending') {
    view.approvals_received = approvalsOf(pause.votes ?? []).length;
    view.approvals_required = pause.plan?.quorum ?? 1;
    view.message = PENDING_HINT;
  }
  return view;
}
