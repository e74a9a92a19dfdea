import type { ApprovalPlan } from '../domain/approvals/index.js';
import { LoopPauseError } from '../domain/errors.js';
import {
  type AgentChoices,
  applyAgentRouting,
  type DelegationMode,
  evaluatePolicy,
  type Policy,
  PolicyError,
  type PolicyOutcome,
} from '../domain/policy/index.js';
import type { ApprovalRequest } from '../domain/schemas.js';
import type { Decision } from '../domain/vocabulary.js';
import { type AgentChosen, checkRecipients, type RecipientRules } from './recipient-rules.js';

/** Where the policy in force comes from (the policy file, reloaded as it changes). */
export interface PolicySource {
  current(): Policy;
}

/** What the operator's policy makes of a request: decided at once, or routed as the rule says. */
export type Gated =
  | { kind: 'decide'; rule: string; decision: Decision; request: ApprovalRequest }
  | {
      kind: 'route';
      rule: string;
      request: ApprovalRequest;
      plan: ApprovalPlan;
      ownerCannotApprove: boolean;
      /** The parts of `request` the agent chose, not the rule: the allow-lists still bound them. */
      agentChose: AgentChoices;
    };

/** Why the policy refused a request, in full: for the operator's log, never for the agent. */
export interface PolicyRefusal {
  agent: string;
  rule?: string;
  field: string;
  reason: string;
}

/** Where refusals are reported in full (the log); the agent only hears that the policy does not allow it. */
export type PolicyRefusalSink = (refusal: PolicyRefusal) => void;

const OPERATOR_HINT = 'an operator finds the reason in the LoopPause log, or with policy explain';

/**
 * The refusal an agent sees names the argument it sent and nothing of the policy: no rule names,
 * conditions, routes, approvers or timeouts, so that refusals cannot be used to read the policy.
 */
function refusedByPolicy(report: PolicyRefusalSink | undefined, refusal: PolicyRefusal, told: string): LoopPauseError {
  report?.(refusal);
  return new LoopPauseError('invalid_argument', `${refusal.field}: ${told} (${OPERATOR_HINT})`, refusal.field);
}

const NOT_ALLOWED = "not allowed by the operator's policy for this request";

/**
 * First matching rule wins; no match, or a rule that cannot judge the request (a CEL error), is a
 * refusal naming `policy` — never a 500 and never a silent match. A routed request gets the rule's
 * recipients, approvers, fields and timeout, narrowed by the agent's own as agent_routing allows.
 */
export function gateRequest(
  policy: Policy,
  agentId: string,
  request: ApprovalRequest,
  options: {
    /** Whether the agent named a timeout: the default of 24 h asks for nothing. */
    timeoutGiven: boolean;
    /** The API key's owner, who does not count among the voters under owner_cannot_approve. */
    owner?: string | undefined;
    report?: PolicyRefusalSink | undefined;
  },
): Gated {
  const { report } = options;
  let outcome: PolicyOutcome;
  try {
    outcome = evaluatePolicy(policy, {
      agent: agentId,
      action: request.action_description,
      details: request.action_details,
    });
  } catch (error) {
    if (!(error instanceof PolicyError)) throw error;
    throw refusedByPolicy(
      report,
      { agent: agentId, ...(error.rule ? { rule: error.rule.name } : {}), field: 'policy', reason: error.message },
      "the operator's policy could not judge this request",
    );
  }
  if (outcome.kind === 'no_match') {
    throw refusedByPolicy(
      report,
      { agent: agentId, field: 'policy', reason: 'no rule matches' },
      'no rule of this server’s policy allows this request',
    );
  }
  if (outcome.kind === 'decide') return { kind: 'decide', rule: outcome.rule, decision: outcome.decision, request };

  const routed = applyAgentRouting(
    policy.agentRouting,
    outcome,
    {
      ...(request.recipient_email === undefined ? {} : { recipient_email: request.recipient_email }),
      ...(request.recipient_slack === undefined ? {} : { recipient_slack: request.recipient_slack }),
      ...(request.approvers === undefined ? {} : { approvers: request.approvers }),
      ...(request.response_fields === undefined ? {} : { response_fields: request.response_fields }),
      ...(options.timeoutGiven ? { timeout_hours: request.timeout_hours } : {}),
    },
    { owner: options.owner },
  );
  if (!routed.ok) {
    throw refusedByPolicy(
      report,
      { agent: agentId, rule: outcome.rule, field: routed.field, reason: routed.reason },
      NOT_ALLOWED,
    );
  }
  const { route, approvers, responseFields, timeoutHours } = routed.routing;
  if (route.slack === undefined && route.email === undefined) {
    throw refusedByPolicy(
      report,
      { agent: agentId, rule: outcome.rule, field: 'policy', reason: 'the rule routes the request nowhere' },
      'the operator’s policy routes this request nowhere: give recipient_slack or recipient_email',
    );
  }

  const { recipient_email: _email, recipient_slack: _slack, approvers: _approvers, ...rest } = request;
  return {
    kind: 'route',
    rule: outcome.rule,
    request: {
      ...rest,
      ...(route.slack === undefined ? {} : { recipient_slack: route.slack }),
      ...(route.email === undefined ? {} : { recipient_email: route.email }),
      ...(approvers.length === 0 ? {} : { approvers }),
      ...(responseFields.length === 0 ? {} : { response_fields: responseFields }),
      timeout_hours: timeoutHours ?? request.timeout_hours,
    },
    ownerCannotApprove: routed.routing.ownerCannotApprove,
    agentChose: routed.routing.agentChose,
    plan: {
      quorum: routed.routing.quorum,
      remind_after_ms: routed.routing.remindAfterMs,
      escalate: routed.routing.escalate.map((step) => ({
        after_ms: step.afterMs,
        ...(step.route ? { route: step.route } : {}),
        approvers: step.approvers,
      })),
      on_timeout: routed.routing.onTimeout,
      // Absent reads as within_group, the default.
      ...delegationOf(outcome.delegation ?? policy.delegation),
    },
  };
}

export interface AdmitOptions {
  /** Whether the agent named a timeout: the default of 24 h asks for nothing. */
  timeoutGiven: boolean;
  /** The API key's owner (undefined: the key has none). */
  owner: string | undefined;
  /**
   * The caller cannot see the key, so not its owner either (policy explain from the CLI, for a key
   * minted into Redis): the owner is neither excluded from the voters nor required.
   */
  ownerUnknown?: boolean;
  recipients: RecipientRules;
  report?: PolicyRefusalSink | undefined;
}

/**
 * What request_approval makes of a request under the policy before anything is stored: the rule's
 * verdict (gateRequest), then the checks on what it comes to (checkAdmitted). Policy explain runs
 * the same two steps, so that it says what a request would get.
 */
export function admitRequest(policy: Policy, agentId: string, asked: ApprovalRequest, options: AdmitOptions): Gated {
  const gated = gateRequest(policy, agentId, asked, options);
  checkAdmitted(gated, options);
  return gated;
}

/**
 * After the rule: the allow-lists bound what the agent chose (a Slack route alone needs Slack), and
 * maker-checker needs to know whose key asks.
 */
export function checkAdmitted(
  gated: Gated,
  options: Pick<AdmitOptions, 'owner' | 'ownerUnknown' | 'recipients'>,
): void {
  checkRecipients(gated.request, options.recipients, agentChosen(gated));
  if (gated.kind === 'route' && gated.ownerCannotApprove && options.owner === undefined && !options.ownerUnknown) {
    // A key without an owner cannot be held to maker-checker, so it is refused.
    throw new LoopPauseError(
      'invalid_argument',
      "policy: the operator's policy does not let a key's owner approve its own agent's requests here, " +
        'and this API key has no owner; the operator must give it one (looppause keys create --owner, or name:key:owner)',
      'policy',
    );
  }
}

/**
 * What of the request the agent chose rather than the operator's policy: the recipients or
 * approvers only where the matched rule left them open.
 */
function agentChosen(gated: Gated): AgentChosen {
  if (gated.kind === 'decide') return {};
  const { recipient_email, recipient_slack, approvers } = gated.request;
  return {
    ...(gated.agentChose.route ? { recipient_email, recipient_slack } : {}),
    ...(gated.agentChose.approvers ? { approvers } : {}),
  };
}

function delegationOf(mode: DelegationMode): { delegation?: DelegationMode } {
  return mode === 'within_group' ? {} : { delegation: mode };
}
