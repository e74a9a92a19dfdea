import { z } from 'zod';
import { LoopPauseError } from '../domain/errors.js';
import {
  evaluatePolicy,
  formatDuration,
  type OnTimeout,
  type Policy,
  type PolicyDecision,
  PolicyError,
  type PolicyOutcome,
  type Route,
} from '../domain/policy/index.js';
import { type ResponseField, requestArgumentsSchema } from '../domain/schemas.js';
import { parseInput } from '../domain/validation.js';
import { checkAdmitted, type Gated, gateRequest, type PolicyRefusal } from './policy-gate.js';
import type { RecipientRules } from './recipient-rules.js';

/**
 * What a request would get under the policy, in the policy's own words (snake_case, durations as
 * the policy writes them): for admins (`POST /v1/policy/explain`, `looppause policy explain`).
 */
export type PolicyExplanation =
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

export type ExplainInput = z.output<typeof explainSchema>;

export function parseExplainInput(args: unknown): ExplainInput {
  return parseInput(explainSchema, args);
}

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

function refused(rule: string | undefined, field: string, reason: string): PolicyExplanation {
  return { verdict: 'refused', ...(rule === undefined ? {} : { rule }), field, reason };
}

/** The gate's verdict in the policy's own names. */
export function describeGated(policy: Policy, gated: Gated, owner: string | undefined): PolicyExplanation {
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
  const { agent, action, details } = parseExplainInput(args);
  try {
    return evaluatePolicy(policy, { agent, action, details });
  } catch (error) {
    if (error instanceof PolicyError)
      throw new LoopPauseError('invalid_argument', `policy: ${error.message}`, 'policy');
    throw error;
  }
}
