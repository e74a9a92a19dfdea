import { z } from 'zod';
import { delegationModeOf } from '../domain/delegation.js';
import { LoopPauseError } from '../domain/errors.js';
import {
  type DelegationMode,
  evaluatePolicy,
  evaluateToolCallPolicy,
  formatDuration,
  type OnTimeout,
  type Policy,
  type PolicyDecision,
  PolicyError,
  type PolicyOutcome,
  type Route,
  type ToolCallDefault,
} from '../domain/policy/index.js';
import { type ResponseField, requestArgumentsSchema } from '../domain/schemas.js';
import { type ToolCallDecision, toolCallSchema } from '../domain/tool-calls.js';
import { parseInput } from '../domain/validation.js';
import { checkAdmitted, type Gated, gateRequest, type PolicyRefusal } from './policy-gate.js';
import type { RecipientRules } from './recipient-rules.js';

/**
 * What a request would get under the policy, in the policy's own words (snake_case, durations as
 * the policy writes them): for admins (`POST /v1/policy/explain`, `looppause policy explain`).
 */
export type PolicyExplanation = RequestExplanation | ToolCallExplanation;

/** What a request_approval request would get. */
export type RequestExplanation =
  | { verdict: 'decide'; rule: string; decision: PolicyDecision }
  | {
      verdict: 'route';
      rule: string;
      agent_routing: Policy['agentRouting'];
      /** Where the request goes: the rule's route, or (agent_routing: allow) the agent's. */
      route: Route;
      /** Who may decide; empty: anyone the request reaches. */
      approvers: string[];
      quorum: number;
      owner_cannot_approve: boolean;
      /** Under owner_cannot_approve: the key's owner, who may not vote. */
      excluded_owner?: string;
      response_fields: ResponseField[];
      timeout_hours: number;
      /** Durations as a policy writes them: `30m`, `2h`, `90s`. */
      remind_after: string[];
      escalate: { after: string; route?: Route; approvers: string[] }[];
      on_timeout: OnTimeout;
      /** Whom an away approver's delegate may be here: the rule's `delegation`, else the policy's. */
      delegation: DelegationMode;
      /** What the explanation could not know (the CLI, for a key it cannot see). */
      note?: string;
    }
  | {
      verdict: 'refused';
      /** The rule that matched, when one did. */
      rule?: string;
      /** The argument the refusal names (`policy` for the policy itself), as the agent's error would. */
      field: string;
      /** The full reason, rule and routes included: what the agent is not told. */
      reason: string;
    };

/**
 * What a tool call (a hook's, or `POST /v1/tool-calls`) would get: only the rules with `when.tool` judge it, and no
 * agent routing applies. `tool` echoes the tool explained; `answer` is what the hook is told at once (`pending`: a
 * human is asked, and the hook waits).
 */
export type ToolCallExplanation =
  | { verdict: 'decide'; tool: string; rule: string; decision: PolicyDecision; answer: 'allow' | 'deny'; note?: string }
  | {
      verdict: 'route';
      tool: string;
      rule: string;
      answer: 'pending';
      route: Route;
      /** Who may decide; empty: anyone the call reaches. */
      approvers: string[];
      quorum: number;
      owner_cannot_approve: boolean;
      excluded_owner?: string;
      response_fields: ResponseField[];
      /** The rule's own; absent when it sets none. */
      timeout_hours?: number;
      remind_after: string[];
      escalate: { after: string; route?: Route; approvers: string[] }[];
      on_timeout: OnTimeout;
      /** What the hook is told when the deadline comes first: the rule's on_timeout as a decision. */
      on_timeout_answer: 'allow' | 'deny';
      /** Whom an away approver's delegate may be here: the rule's `delegation`, else the policy's. */
      delegation: DelegationMode;
      /** "Approve for this session": how long the same call in the same session passes again, as the policy writes it. */
      remember?: string;
      note?: string;
    }
  | {
      /** No tool-call rule matches: the policy's tool_calls_default answers. */
      verdict: 'default';
      tool: string;
      decision: ToolCallDefault;
      answer: ToolCallDecision;
      note?: string;
    }
  | { verdict: 'refused'; tool: string; rule?: string; field: string; reason: string };

/** The request_approval arguments a request carries besides its action: the same rules judge them. */
const ACTION_FIELDS = ['action_description', 'action_details'];

export const explainSchema = z.strictObject({
  agent: z.string({ error: 'is required: an API key name' }).min(1).max(200),
  action: z.string({ error: 'is required: an action_description' }).min(1).max(3000),
  details: z.record(z.string().max(150), z.string().max(2000)).default({}),
  request: z
    .record(z.string(), z.unknown(), {
      error: 'must be an object of request_approval arguments (recipient_email, approvers, timeout_hours, …)',
    })
    .refine((r) => !ACTION_FIELDS.some((f) => Object.hasOwn(r, f)), {
      message: 'must not hold action_description or action_details: give them as action and details',
    })
    .optional(),
});

/** A tool call to explain: `POST /v1/tool-calls`'s body (without tool_use_id), and the key that would send it. */
export const explainToolCallSchema = toolCallSchema
  .omit({ tool_use_id: true })
  .extend({ agent: z.string({ error: 'must be an API key name' }).min(1).max(200).optional() });

export type RequestExplainInput = z.output<typeof explainSchema>;
/** `agent` is '' when none was given. */
export type ToolCallExplainInput = Omit<z.output<typeof explainToolCallSchema>, 'agent'> & {
  agent: string;
  agentGiven: boolean;
};
export type ExplainInput = RequestExplainInput | ToolCallExplainInput;

/** A body with `tool` explains a tool call; any other a request_approval request. */
export function parseExplainInput(args: unknown): ExplainInput {
  if (typeof args === 'object' && args !== null && Object.hasOwn(args, 'tool')) {
    const { agent, ...call } = parseInput(explainToolCallSchema, args);
    return { ...call, agent: agent ?? '', agentGiven: agent !== undefined };
  }
  return parseInput(explainSchema, args);
}

const isToolCall = (input: ExplainInput): input is ToolCallExplainInput => Object.hasOwn(input, 'tool');

export interface ExplainContext {
  /** The allow-lists and whether Slack is on, as the service has them. */
  recipients: RecipientRules;
  /** The key's owner, as request_approval would see it; `unknown` where the caller cannot see the key. */
  owner: { known: true; owner: string | undefined } | { known: false; why: string };
}

/**
 * What request_approval would do with this request from the key named `agent`: decided at once,
 * routed (and where, to whom, for how long), or refused (the field, and the full reason). It runs
 * the same steps as request_approval, stores nothing and notifies no one.
 */
export function explainRequest(policy: Policy, input: ExplainInput, context: ExplainContext): PolicyExplanation {
  if (isToolCall(input)) return explainToolCall(policy, input, context);
  const args = { ...input.request, action_description: input.action, action_details: input.details };
  const owner = context.owner.known ? context.owner.owner : undefined;
  const options = {
    timeoutGiven: Object.hasOwn(input.request ?? {}, 'timeout_hours'),
    owner,
    ownerUnknown: !context.owner.known,
    recipients: context.recipients,
  };
  let refusal: PolicyRefusal | undefined;
  let gated: Gated;
  try {
    const asked = parseInput(requestArgumentsSchema, args);
    gated = gateRequest(policy, input.agent, asked, {
      ...options,
      report: (r) => {
        refusal = r;
      },
    });
  } catch (error) {
    if (!(error instanceof LoopPauseError)) throw error;
    if (refusal) return refused(refusal.rule, refusal.field, refusal.reason);
    return refused(undefined, error.field ?? 'arguments', error.message);
  }
  try {
    checkAdmitted(gated, options);
  } catch (error) {
    if (!(error instanceof LoopPauseError)) throw error;
    return refused(gated.rule, error.field ?? 'arguments', error.message);
  }
  const explained = describeGated(policy, gated, owner);
  if (explained.verdict === 'route' && explained.owner_cannot_approve && !context.owner.known) {
    explained.note =
      `the owner of ${input.agent} is not known here (${context.owner.why}): ` +
      'a key without an owner is refused under owner_cannot_approve (field policy), and the owner may not vote';
  }
  return explained;
}

/**
 * What the policy makes of a tool call from the key named `agent`: decided at once (allow or deny), routed to the
 * rule's humans (and the timers, the quorum, "Approve for this session"), tool_calls_default, or refused because the
 * policy cannot judge it (a condition's error, an input beyond the bounds). It stores nothing and notifies no one.
 */
export function explainToolCall(
  policy: Policy,
  input: ToolCallExplainInput,
  context: Pick<ExplainContext, 'owner'>,
): ToolCallExplanation {
  const { tool } = input;
  const notes = input.agentGiven
    ? []
    : ['no agent given: judged for the agent name "", so a rule with when.agents matches only where a glob matches it'];
  let outcome: ReturnType<typeof evaluateToolCallPolicy>;
  try {
    outcome = evaluateToolCallPolicy(policy, {
      agent: input.agent,
      tool,
      input: input.input,
      ...(input.cwd === undefined ? {} : { cwd: input.cwd }),
      ...(input.session_id === undefined ? {} : { session_id: input.session_id }),
    });
  } catch (error) {
    if (!(error instanceof PolicyError)) throw error;
    return {
      verdict: 'refused',
      tool,
      ...(error.rule ? { rule: error.rule.name } : {}),
      field: 'policy',
      reason: error.message,
    };
  }
  const note = notes.length > 0 ? { note: notes.join('; ') } : {};
  if (outcome.kind === 'default') {
    return { verdict: 'default', tool, decision: outcome.decision, answer: outcome.decision, ...note };
  }
  if (outcome.kind === 'decide') {
    const answer = outcome.decision === 'approved' ? 'allow' : 'deny';
    return { verdict: 'decide', tool, rule: outcome.rule, decision: outcome.decision, answer, ...note };
  }
  const owner = context.owner.known ? context.owner.owner : undefined;
  if (outcome.ownerCannotApprove && !input.agentGiven) {
    notes.push("under owner_cannot_approve the key's owner may not vote: name the key (agent) to see who that is");
  } else if (outcome.ownerCannotApprove && !context.owner.known) {
    notes.push(
      `the owner of ${input.agent} is not known here (${context.owner.why}); under owner_cannot_approve the key's owner may not vote`,
    );
  }
  return {
    verdict: 'route',
    tool,
    rule: outcome.rule,
    answer: 'pending',
    // A tool-call rule that routes always names its route: the loader refuses one that does not.
    route: outcome.route ?? {},
    approvers: outcome.approvers,
    quorum: outcome.quorum,
    owner_cannot_approve: outcome.ownerCannotApprove,
    ...(outcome.ownerCannotApprove && owner !== undefined ? { excluded_owner: owner } : {}),
    response_fields: outcome.responseFields,
    ...(outcome.timeoutHours === undefined ? {} : { timeout_hours: outcome.timeoutHours }),
    remind_after: outcome.remindAfterMs.map(formatDuration),
    escalate: outcome.escalate.map((step) => ({
      after: formatDuration(step.afterMs),
      ...(step.route ? { route: step.route } : {}),
      approvers: step.approvers,
    })),
    on_timeout: outcome.onTimeout,
    on_timeout_answer: outcome.onTimeout === 'approved' ? 'allow' : 'deny',
    delegation: outcome.delegation ?? policy.delegation,
    ...(outcome.rememberMs === undefined ? {} : { remember: formatDuration(outcome.rememberMs) }),
    ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
  };
}

function refused(rule: string | undefined, field: string, reason: string): RequestExplanation {
  return { verdict: 'refused', ...(rule === undefined ? {} : { rule }), field, reason };
}

/** The gate's verdict in the policy's own names. */
export function describeGated(policy: Policy, gated: Gated, owner: string | undefined): RequestExplanation {
  if (gated.kind === 'decide') return { verdict: 'decide', rule: gated.rule, decision: gated.decision };
  const { request, plan } = gated;
  return {
    verdict: 'route',
    rule: gated.rule,
    agent_routing: policy.agentRouting,
    route: {
      ...(request.recipient_slack === undefined ? {} : { slack: request.recipient_slack }),
      ...(request.recipient_email === undefined ? {} : { email: request.recipient_email }),
    },
    approvers: request.approvers ?? [],
    quorum: plan.quorum,
    owner_cannot_approve: gated.ownerCannotApprove,
    ...(gated.ownerCannotApprove && owner !== undefined ? { excluded_owner: owner } : {}),
    response_fields: request.response_fields ?? [],
    timeout_hours: request.timeout_hours,
    remind_after: plan.remind_after_ms.map(formatDuration),
    escalate: plan.escalate.map((step) => ({
      after: formatDuration(step.after_ms),
      ...(step.route ? { route: step.route } : {}),
      approvers: step.approvers,
    })),
    on_timeout: plan.on_timeout,
    delegation: delegationModeOf(plan),
  };
}

/**
 * @deprecated Only the rule a request meets, in the loaded model's shape (`kind`, camelCase), and
 * none of the checks after it: the dashboard's Policy page reads this until it reads explainRequest.
 */
export function explainRuleOnly(policy: Policy | undefined, args: unknown): PolicyOutcome {
  if (!policy) {
    throw new LoopPauseError('not_found', 'no policy file is in force on this server (LOOPPAUSE_POLICY_FILE)');
  }
  const { agent, action, details } = parseInput(explainSchema, args);
  try {
    return evaluatePolicy(policy, { agent, action, details });
  } catch (error) {
    if (error instanceof PolicyError)
      throw new LoopPauseError('invalid_argument', `policy: ${error.message}`, 'policy');
    throw error;
  }
}
