import { DEFAULT_TIMEOUT_HOURS, type ResponseField } from '../schemas.js';
import { dedupeHumans, humanKey } from './humans.js';
import type { AgentRoutingMode, Route, RouteOutcome, RoutingPlan } from './types.js';

/** What the agent asked for in its request_approval call (the request arguments that route a request). */
export interface AgentRoutingRequest {
  recipient_email?: string;
  recipient_slack?: string;
  approvers?: string[];
  quorum?: number;
  response_fields?: ResponseField[];
  timeout_hours?: number;
}

/** Who asks: the API key's owner, who may not vote where the rule says owner_cannot_approve. */
export interface AgentRoutingContext {
  owner?: string | undefined;
}

/**
 * The routing in force, and which parts of it the agent chose rather than the rule: those are
 * still bound by the operator's allow-lists, the rule's own routes are not.
 */
export type EffectiveRouting = { rule: string; route: Route; agentChose: AgentChoices } & Omit<RoutingPlan, 'route'>;

export interface AgentChoices {
  /** The route is the agent's (the rule gives none, under agent_routing: allow). */
  route: boolean;
  /** The approvers are the agent's (the rule names none). */
  approvers: boolean;
}

/**
 * A refusal the caller turns into invalid_argument naming `field`. `reason` is for the operator (the
 * log, policy explain): it names rules, routes and approvers, which the agent must not be told.
 */
export type AgentRoutingResult = { ok: true; routing: EffectiveRouting } | { ok: false; field: string; reason: string };

const MAX_RESPONSE_FIELDS = 10;

/**
 * Combines a matched rule with what the agent asked (agent_routing):
 * - restrict: the agent may only narrow what the rule gives — recipients must be the rule's own, approvers a subset
 *   of the rule's, a quorum at least the rule's, extra response fields, a timeout no longer than the rule's;
 * - allow: as restrict wherever the rule gives a value; where it gives none (no route, no approvers), the agent's is used;
 * - deny: agent-given recipients or approvers are refused; the other knobs narrow as in restrict.
 * In every mode, a rule that decides at its deadline (on_timeout approved or rejected) keeps its own timeout and
 * approvers whole: the humans it names get the whole time the operator gave them. And whatever the agent narrows
 * to must leave at least the quorum of people who may vote (the key owner is not one under owner_cannot_approve).
 * Checks run in a fixed order, argument by argument, so that a refusal of one says nothing about another.
 */
export function applyAgentRouting(
  mode: AgentRoutingMode,
  outcome: RouteOutcome,
  asked: AgentRoutingRequest,
  context: AgentRoutingContext = {},
): AgentRoutingResult {
  const rule = `policy rule "${outcome.rule}"`;
  const refuse = (field: string, reason: string): AgentRoutingResult => ({ ok: false, field, reason });
  const decidesAtDeadline = outcome.onTimeout !== 'timed_out';

  if (mode === 'deny') {
    if (asked.recipient_slack !== undefined) return refuse('recipient_slack', `agent_routing: deny refuses it`);
    if (asked.recipient_email !== undefined) return refuse('recipient_email', `agent_routing: deny refuses it`);
    if (asked.approvers !== undefined) return refuse('approvers', `agent_routing: deny refuses them`);
  }

  // Quorum: at least the rule's.
  let quorum = outcome.quorum;
  if (asked.quorum !== undefined) {
    if (!Number.isInteger(asked.quorum) || asked.quorum < 1) return refuse('quorum', 'must be a whole number ≥ 1');
    if (asked.quorum < outcome.quorum) return refuse('quorum', `must be at least ${outcome.quorum}, as ${rule} asks`);
    quorum = asked.quorum;
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

  // Timeout: never longer than the rule's; not the agent's to change where the deadline decides.
  let timeoutHours = outcome.timeoutHours;
  if (asked.timeout_hours !== undefined) {
    const ruleHours = outcome.timeoutHours ?? DEFAULT_TIMEOUT_HOURS;
    if (decidesAtDeadline && asked.timeout_hours !== ruleHours) {
      return refuse(
        'timeout_hours',
        `${rule} decides ${outcome.onTimeout} at its deadline, so its timeout (${ruleHours} h) is not the agent's to change`,
      );
    }
    if (outcome.timeoutHours !== undefined && asked.timeout_hours > outcome.timeoutHours) {
      return refuse('timeout_hours', `must be at most ${outcome.timeoutHours}, as ${rule} asks`);
    }
    timeoutHours = asked.timeout_hours;
  }

  // Recipients.
  let route: Route;
  if (outcome.route) {
    if (asked.recipient_slack !== undefined && asked.recipient_slack !== outcome.route.slack) {
      return refuse('recipient_slack', `must be where ${rule} routes (${outcome.route.slack ?? 'no Slack route'})`);
    }
    if (
      asked.recipient_email !== undefined &&
      asked.recipient_email.toLowerCase() !== outcome.route.email?.toLowerCase()
    ) {
      return refuse('recipient_email', `must be where ${rule} routes (${outcome.route.email ?? 'no e-mail route'})`);
    }
    route = outcome.route;
  } else {
    if (mode !== 'allow')
      return refuse('policy', `${rule} routes nowhere and agent_routing: ${mode} lets no agent choose`);
    if (decidesAtDeadline) {
      return refuse(
        'policy',
        `${rule} decides ${outcome.onTimeout} at its deadline, so it must route the request itself`,
      );
    }
    if (asked.recipient_slack === undefined && asked.recipient_email === undefined) {
      return refuse(
        'recipient_slack',
        `is required: ${rule} gives no route, so recipient_email or recipient_slack must`,
      );
    }
    route = {
      ...(asked.recipient_slack !== undefined ? { slack: asked.recipient_slack } : {}),
      ...(asked.recipient_email !== undefined ? { email: asked.recipient_email } : {}),
    };
  }

  // Approvers, last: whether a name is one of the rule's is only ever answered by the request going through.
  let approvers = outcome.approvers;
  const ruleNamesApprovers = outcome.approvers.length > 0;
  if (asked.approvers !== undefined) {
    if (decidesAtDeadline && !ruleNamesApprovers) {
      return refuse(
        'approvers',
        `${rule} decides ${outcome.onTimeout} at its deadline, so whoever it reaches keeps a say`,
      );
    }
    if (ruleNamesApprovers) {
      const allowed = new Set(outcome.approvers.map(humanKey));
      const outsider = asked.approvers.find((entry) => !allowed.has(humanKey(entry)));
      if (outsider !== undefined) return refuse('approvers', `${outsider} is not one of the approvers of ${rule}`);
      const narrowed = dedupeHumans(asked.approvers);
      if (decidesAtDeadline && narrowed.length < dedupeHumans(outcome.approvers).length) {
        return refuse(
          'approvers',
          `${rule} decides ${outcome.onTimeout} at its deadline, so every approver it names keeps a say`,
        );
      }
    }
    approvers = dedupeHumans(asked.approvers);
  }

  // Whoever may vote must be able to reach the quorum: the key owner does not count under maker-checker.
  if (approvers.length > 0) {
    const owner = outcome.ownerCannotApprove && context.owner !== undefined ? humanKey(context.owner) : undefined;
    const voters = dedupeHumans([...approvers, ...outcome.escalate.flatMap((step) => step.approvers)]).filter(
      (entry) => humanKey(entry) !== owner,
    ).length;
    if (quorum > voters) {
      return asked.quorum !== undefined && asked.quorum > outcome.quorum
        ? refuse('quorum', `${quorum} is more than the ${voters} distinct approvers who may vote on the request`)
        : refuse('approvers', `leave ${voters} distinct approvers who may vote, fewer than the quorum of ${quorum}`);
    }
  }

  return {
    ok: true,
    routing: {
      rule: outcome.rule,
      route,
      agentChose: {
        route: outcome.route === undefined,
        approvers: !ruleNamesApprovers && asked.approvers !== undefined,
      },
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
