import { z } from 'zod';
import type { ApprovalPlan } from '../domain/approvals/index.js';
import { LoopPauseError } from '../domain/errors.js';
import {
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
  | { kind: 'route'; rule: string; request: ApprovalRequest; plan: ApprovalPlan; ownerCannotApprove: boolean };

const policyRefusal = (message: string) => new LoopPauseError('invalid_argument', `policy: ${message}`, 'policy');

/**
 * First matching rule wins; no match, or a rule that cannot judge the request (a CEL error), is a
 * refusal naming `policy` — never a 500 and never a silent match. A routed request gets the rule's
 * recipients, approvers, fields and timeout, narrowed by the agent's own as agent_routing allows.
 */
export function gateRequest(
  policy: Policy,
  agentId: string,
  request: ApprovalRequest,
  /** Whether the agent named a timeout: the default of 24 h asks for nothing. */
  timeoutGiven: boolean,
): Gated {
  let outcome: PolicyOutcome;
  try {
    outcome = evaluatePolicy(policy, {
      agent: agentId,
      action: request.action_description,
      details: request.action_details,
    });
  } catch (error) {
    if (error instanceof PolicyError) throw policyRefusal(error.message);
    throw error;
  }
  if (outcome.kind === 'no_match') throw policyRefusal('no rule of this server’s policy allows this request');
  if (outcome.kind === 'decide') return { kind: 'decide', rule: outcome.rule, decision: outcome.decision, request };

  const routed = applyAgentRouting(policy.agentRouting, outcome, {
    ...(request.recipient_email === undefined ? {} : { recipient_email: request.recipient_email }),
    ...(request.recipient_slack === undefined ? {} : { recipient_slack: request.recipient_slack }),
    ...(request.approvers === undefined ? {} : { approvers: request.approvers }),
    ...(request.response_fields === undefined ? {} : { response_fields: request.response_fields }),
    ...(timeoutGiven ? { timeout_hours: request.timeout_hours } : {}),
  });
  if (!routed.ok) throw new LoopPauseError('invalid_argument', `${routed.field}: ${routed.message}`, routed.field);
  const { route, approvers, responseFields, timeoutHours } = routed.routing;
  if (route.slack === undefined && route.email === undefined) {
    throw policyRefusal(`rule ${outcome.rule} routes the request nowhere: give recipient_slack or recipient_email`);
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
    if (error instanceof PolicyError) throw policyRefusal(error.message);
    throw error;
  }
}
