import type { ResponseField } from '../schemas.js';
import { dedupeHumans, humanKey } from './humans.js';
import type { AgentRoutingMode, Route, RouteOutcome, RoutingPlan } from './types.js';

/** What the agent asked for in its request_approval call (the §4 arguments that route a request). */
export interface AgentRoutingRequest {
  recipient_email?: string;
  recipient_slack?: string;
  approvers?: string[];
  quorum?: number;
  response_fields?: ResponseField[];
  timeout_hours?: number;
}

export type EffectiveRouting = { rule: string; route: Route } & Omit<RoutingPlan, 'route'>;

/** A refusal the caller turns into invalid_argument naming `field`. */
export type AgentRoutingResult =
  | { ok: true; routing: EffectiveRouting }
  | { ok: false; field: string; message: string };

const MAX_RESPONSE_FIELDS = 10;

/**
 * Combines a matched rule with what the agent asked (agent_routing):
 * - restrict: the agent may only narrow what the rule gives — recipients must be the rule's own, approvers a subset
 *   of the rule's, a quorum at least the rule's, extra response fields, a timeout no longer than the rule's;
 * - allow: as restrict wherever the rule gives a value; where it gives none (no route, no approvers), the agent's is used;
 * - deny: agent-given recipients or approvers are refused; the other knobs narrow as in restrict.
 * The rule's route is kept whole when the agent names recipients it already routes to.
 */
export function applyAgentRouting(
  mode: AgentRoutingMode,
  outcome: RouteOutcome,
  asked: AgentRoutingRequest,
): AgentRoutingResult {
  const rule = `policy rule "${outcome.rule}"`;
  const refuse = (field: string, message: string): AgentRoutingResult => ({ ok: false, field, message });

  // Recipients.
  const askedSlack = asked.recipient_slack;
  const askedEmail = asked.recipient_email;
  if (mode === 'deny') {
    if (askedSlack !== undefined) return refuse('recipient_slack', `is set by ${rule}; agent_routing: deny refuses it`);
    if (askedEmail !== undefined) return refuse('recipient_email', `is set by ${rule}; agent_routing: deny refuses it`);
  }
  let route: Route;
  if (outcome.route) {
    if (askedSlack !== undefined && askedSlack !== outcome.route.slack) {
      return refuse('recipient_slack', `must be where ${rule} routes (${outcome.route.slack ?? 'no Slack route'})`);
    }
    if (askedEmail !== undefined && askedEmail.toLowerCase() !== outcome.route.email?.toLowerCase()) {
      return refuse('recipient_email', `must be where ${rule} routes (${outcome.route.email ?? 'no e-mail route'})`);
    }
    route = outcome.route;
  } else {
    if (mode !== 'allow')
      return refuse('policy', `${rule} routes nowhere and agent_routing: ${mode} lets no agent choose`);
    if (askedSlack === undefined && askedEmail === undefined) {
      return refuse(
        'recipient_slack',
        `is required: ${rule} gives no route, so recipient_email or recipient_slack must`,
      );
    }
    route = {
      ...(askedSlack !== undefined ? { slack: askedSlack } : {}),
      ...(askedEmail !== undefined ? { email: askedEmail } : {}),
    };
  }

  // Approvers.
  let approvers = outcome.approvers;
  if (asked.approvers !== undefined) {
    if (mode === 'deny') return refuse('approvers', `are set by ${rule}; agent_routing: deny refuses them`);
    if (outcome.approvers.length > 0) {
      const allowed = new Set(outcome.approvers.map(humanKey));
      const outsider = asked.approvers.find((entry) => !allowed.has(humanKey(entry)));
      if (outsider !== undefined) return refuse('approvers', `${outsider} is not one of the approvers of ${rule}`);
    }
    approvers = dedupeHumans(asked.approvers);
  }

  // Quorum: at least the rule's, and no more than the humans the request can reach.
  let quorum = outcome.quorum;
  if (asked.quorum !== undefined) {
    if (!Number.isInteger(asked.quorum) || asked.quorum < 1) return refuse('quorum', 'must be a whole number ≥ 1');
    if (asked.quorum < outcome.quorum) return refuse('quorum', `must be at least ${outcome.quorum}, as ${rule} asks`);
    quorum = asked.quorum;
  }
  if (approvers.length > 0) {
    const reachable = dedupeHumans([...approvers, ...outcome.escalate.flatMap((step) => step.approvers)]).length;
    if (quorum > reachable) {
      return asked.quorum !== undefined && asked.quorum > outcome.quorum
        ? refuse('quorum', `${quorum} is more than the ${reachable} distinct approvers the request can reach`)
        : refuse('approvers', `leave ${reachable} distinct approvers, fewer than the quorum of ${quorum}`);
    }
  }

  // Response fields: the rule's (its definitions win on a shared name) plus the agent's extras.
  const ruleNames = new Set(outcome.responseFields.map((field) => field.name));
  const responseFields = [
    ...outcome.responseFields,
    ...(asked.response_fields ?? []).filter((field) => !ruleNames.has(field.name)),
  ];
  if (responseFields.length > MAX_RESPONSE_FIELDS) {
    return refuse(
      'response_fields',
      `with the ${outcome.responseFields.length} of ${rule} exceed ${MAX_RESPONSE_FIELDS}`,
    );
  }

  // Timeout: never longer than the rule's.
  let timeoutHours = outcome.timeoutHours;
  if (asked.timeout_hours !== undefined) {
    if (outcome.timeoutHours !== undefined && asked.timeout_hours > outcome.timeoutHours) {
      return refuse('timeout_hours', `must be at most ${outcome.timeoutHours}, as ${rule} asks`);
    }
    timeoutHours = asked.timeout_hours;
  }

  return {
    ok: true,
    routing: {
      rule: outcome.rule,
      route,
      approvers,
      quorum,
      ownerCannotApprove: outcome.ownerCannotApprove,
      responseFields,
      ...(timeoutHours !== undefined ? { timeoutHours } : {}),
      remindAfterMs: outcome.remindAfterMs,
      escalate: outcome.escalate,
      onTimeout: outcome.onTimeout,
    },
  };
}
