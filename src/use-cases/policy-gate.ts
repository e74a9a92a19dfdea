import { z } from 'zod';
import type { ApprovalPlan } from '../domain/approvals/index.js';
import { LoopPauseError } from '../domain/errors.js';
import {
  type AgentChoices,
  applyAgentRouting,
  evaluatePolicy,
  type Policy,
  PolicyError,
  type PolicyOutcome,
} from '../domain/policy/index.js';
import type { ApprovalRequest } from '../domain/schemas.js';
import { parseInput } from '../domain/validation.js';
import type { Decision } from '../domain/vocabulary.js';

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
    },
  };
}

const explainSchema = z.strictObject({
  agent: z.string({ error: 'is required: an API key name' }).min(1).max(200),
  action: z.string({ error: 'is required: an action_description' }).min(1).max(3000),
  details: z.record(z.string().max(150), z.string().max(2000)).default({}),
});

/** Which rule a request would meet, and what it would get; for admins (`POST /v1/policy/explain`). */
export function explainPolicy(policy: Policy | undefined, args: unknown): PolicyOutcome {
  if (!policy)
    throw new LoopPauseError('not_found', 'no policy file is in force on this server (LOOPPAUSE_POLICY_FILE)');
  const input = parseInput(explainSchema, args);
  try {
    return evaluatePolicy(policy, input);
  } catch (error) {
    // Admins see the policy's own words: explain is where the reasons are meant to be read.
    if (error instanceof PolicyError)
      throw new LoopPauseError('invalid_argument', `policy: ${error.message}`, 'policy');
    throw error;
  }
}
