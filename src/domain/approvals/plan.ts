import type { DelegationMode, OnTimeout } from '../policy/schema.js';

/** One escalation step: after `after_ms` from creation the request also goes to `route`, and `approvers` join. */
interface EscalationStep {
  after_ms: number;
  route?: { slack?: string; email?: string };
  approvers: string[];
}

/**
 * What a policy rule asks beyond "one human decides", fixed on the pause when it is
 * created: a later policy reload does not change a pause already waiting.
 */
export interface ApprovalPlan {
  /** Distinct humans who must approve; one rejection ends the pause (veto). */
  quorum: number;
  /** The API key's owner, who may not vote on their own agent's request (owner_cannot_approve). */
  excluded_owner?: string;
  /** Offsets from creation at which pending approvers are reminded. */
  remind_after_ms: number[];
  escalate: EscalationStep[];
  on_timeout: OnTimeout;
  /**
   * Tool calls: how long "Approve for this session" lets the same call (session, tool, input)
   * through without asking again; absent when the rule sets no `remember`.
   */
  remember_ms?: number;
  /** Whom an away approver's delegate may be (the rule's or the policy's `delegation`); absent: `within_group`. */
  delegation?: DelegationMode;
}
