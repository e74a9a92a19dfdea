import { z } from 'zod';
import {
  emailSchema,
  HUMAN_RULE,
  isHumanId,
  MAX_TIMEOUT_HOURS,
  responseFieldSchema,
  SLACK_TARGET_PATTERN,
} from '../schemas.js';
import { parseDurationMs } from './duration.js';

/** The YAML document of LOOPPAUSE_POLICY_FILE. Every object is strict: an unknown key is refused. */

export const AGENT_ROUTING_MODES = ['allow', 'restrict', 'deny'] as const;
export const ON_TIMEOUT_OUTCOMES = ['timed_out', 'rejected', 'approved'] as const;
export const POLICY_DECISIONS = ['approved', 'rejected'] as const;
/** What a tool call no rule matches gets: let it run, let the agent ask its own user, or refuse it. */
export const TOOL_CALL_DEFAULTS = ['allow', 'ask', 'deny'] as const;
/** Who an away approver may hand their votes to: nobody, someone already among the rule's approvers, anyone. */
export const DELEGATION_MODES = ['deny', 'within_group', 'any'] as const;
/** The longest "Approve for this session" a rule may offer. */
export const MAX_REMEMBER_MS = 7 * 86_400_000;
export const GROUP_PREFIX = 'group:';
export const MAX_APPROVERS = 50;
/** The keys that route a request to humans; none of them may sit next to `decide`. */
const ROUTING_KEYS = [
  'route',
  'approvers',
  'quorum',
  'owner_cannot_approve',
  'response_fields',
  'timeout_hours',
  'remind_after',
  'escalate',
  'on_timeout',
  'remember',
  'delegation',
] as const;

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const NAME_RULE = 'must start with a letter or digit and use only letters, digits, _ . - (max 64)';

const humanSchema = z.string({ error: 'must be a string' }).max(254).refine(isHumanId, HUMAN_RULE);

const approverSchema = z
  .string({ error: 'must be a string' })
  .max(254)
  .refine(
    (s) => (s.startsWith(GROUP_PREFIX) ? NAME_PATTERN.test(s.slice(GROUP_PREFIX.length)) : isHumanId(s)),
    'must be group:NAME, an e-mail address or a Slack user id (U…/W…)',
  );

const durationSchema = z.unknown().transform((value, ctx) => {
  const ms = parseDurationMs(value);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: 'must be a duration like 90s, 30m, 2h, 1d or a number of seconds' });
    return z.NEVER;
  }
  return ms;
});

const routeSchema = z
  .strictObject({
    slack: z
      .string({ error: 'must be a string' })
      .regex(SLACK_TARGET_PATTERN, 'must be #channel-name, a channel id (C…/G…) or a user id (U…/W…)')
      .optional(),
    email: emailSchema.optional(),
  })
  .refine((r) => r.slack !== undefined || r.email !== undefined, 'must name slack and/or email');

const approversSchema = z
  .array(approverSchema, { error: 'must be a list' })
  .min(1, 'must not be empty when given')
  .max(MAX_APPROVERS, `must have at most ${MAX_APPROVERS} entries`);

const escalationStepSchema = z
  .strictObject({
    after: durationSchema,
    route: routeSchema.optional(),
    approvers: approversSchema.optional(),
  })
  .refine((s) => s.route !== undefined || s.approvers !== undefined, 'must give route and/or approvers');

const rememberSchema = durationSchema.pipe(
  z
    .number()
    .max(MAX_REMEMBER_MS, 'must be at most 7 days (7d): a session is approved for a working day or so, not for good'),
);

const whenSchema = z.strictObject({
  tool: z.string({ error: 'must be a string' }).min(1, 'must not be empty').max(200).optional(),
  agents: z
    .array(z.string({ error: 'must be a string' }).min(1, 'must not be empty').max(200), { error: 'must be a list' })
    .min(1, 'must not be empty when given')
    .optional(),
  action: z.string({ error: 'must be a string' }).min(1, 'must not be empty').max(3000).optional(),
  if: z.string({ error: 'must be a string' }).min(1, 'must not be empty').max(2000).optional(),
});

export const ruleSchema = z
  .strictObject({
    name: z.string({ error: 'is required: a string' }).regex(NAME_PATTERN, NAME_RULE),
    when: whenSchema.optional(),
    decide: z.enum(POLICY_DECISIONS, { error: 'must be approved or rejected' }).optional(),
    route: routeSchema.optional(),
    approvers: approversSchema.optional(),
    quorum: z
      .number({ error: 'must be a number' })
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(MAX_APPROVERS)
      .optional(),
    owner_cannot_approve: z.boolean({ error: 'must be true or false' }).optional(),
    response_fields: z
      .array(responseFieldSchema, { error: 'must be a list' })
      .max(10, 'must have at most 10 entries')
      .refine((a) => new Set(a.map((f) => f.name)).size === a.length, 'names must be unique')
      .optional(),
    timeout_hours: z
      .number({ error: 'must be a number' })
      .positive('must be greater than 0')
      .max(MAX_TIMEOUT_HOURS, `must be at most ${MAX_TIMEOUT_HOURS}`)
      .optional(),
    remind_after: z.array(durationSchema, { error: 'must be a list' }).min(1).max(10).optional(),
    escalate: z.array(escalationStepSchema, { error: 'must be a list' }).min(1).max(10).optional(),
    on_timeout: z.enum(ON_TIMEOUT_OUTCOMES, { error: 'must be timed_out, rejected or approved' }).optional(),
    remember: rememberSchema.optional(),
    delegation: z.enum(DELEGATION_MODES, { error: 'must be deny, within_group or any' }).optional(),
  })
  .superRefine((rule, ctx) => {
    const forTools = rule.when?.tool !== undefined;
    if (forTools && rule.when?.action !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['when', 'action'],
        message:
          'cannot be combined with when.tool: a tool call has no action_description (match its input with when.if)',
      });
    }
    if (rule.decide !== undefined) {
      for (const key of ROUTING_KEYS) {
        if (rule[key] !== undefined)
          ctx.addIssue({ code: 'custom', path: [key], message: 'cannot be combined with decide' });
      }
      return;
    }
    if (!forTools && rule.remember !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['remember'],
        message: 'is only for tool-call rules (when.tool): it lets the same call in the same session through again',
      });
    }
  });

export const policyDocumentSchema = z.strictObject(
  {
    groups: z
      .record(
        z.string().regex(NAME_PATTERN, `group names ${NAME_RULE}`),
        z.array(humanSchema, { error: 'must be a list' }).min(1, 'must not be empty').max(MAX_APPROVERS),
        { error: 'must be a mapping of group name to members' },
      )
      .optional(),
    admins: z.array(emailSchema, { error: 'must be a list' }).max(100).optional(),
    agent_routing: z.enum(AGENT_ROUTING_MODES, { error: 'must be allow, restrict or deny' }).optional(),
    tool_calls_default: z.enum(TOOL_CALL_DEFAULTS, { error: 'must be allow, ask or deny' }).optional(),
    gateway_default_route: routeSchema.optional(),
    delegation: z.enum(DELEGATION_MODES, { error: 'must be deny, within_group or any' }).optional(),
    rules: z
      .array(ruleSchema, { error: (issue) => (issue.input === undefined ? 'is required' : 'must be a list of rules') })
      .min(1, 'must have at least one rule')
      .max(500, 'must have at most 500 rules'),
  },
  { error: 'must be a mapping with at least rules:' },
);

export type PolicyDocument = z.output<typeof policyDocumentSchema>;
export type RuleDocument = z.output<typeof ruleSchema>;
export type AgentRoutingMode = (typeof AGENT_ROUTING_MODES)[number];
export type OnTimeout = (typeof ON_TIMEOUT_OUTCOMES)[number];
export type PolicyDecision = (typeof POLICY_DECISIONS)[number];
export type ToolCallDefault = (typeof TOOL_CALL_DEFAULTS)[number];
export type DelegationMode = (typeof DELEGATION_MODES)[number];
