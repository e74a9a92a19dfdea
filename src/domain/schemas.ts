import { z } from 'zod';
import { PAUSE_ID_PATTERN } from './ids.js';
import { DECISION_CHANNELS, DECISIONS, PAUSE_STATUSES } from './vocabulary.js';

/** The argument rules of docs/api.md (MCP tools), shared by MCP, REST and the stdio proxy. */

export const SLACK_TARGET_PATTERN = /^(#[a-z0-9][a-z0-9._-]{0,79}|[CGUW][A-Z0-9]{6,20})$/;
export const SLACK_USER_PATTERN = /^[UW][A-Z0-9]{6,20}$/;
export const MAX_TIMEOUT_HOURS = 168;
export const MAX_WAIT_SECONDS = 50;

export const emailSchema = z.email({ error: 'must be an e-mail address' }).max(254);

/** A human LoopPause can name (approvers, key owners, policy groups): an e-mail address or a Slack user id. */
export const HUMAN_RULE = 'must be an e-mail address or a Slack user id (U…/W…)';
export function isHumanId(value: string): boolean {
  return value.length <= 254 && (SLACK_USER_PATTERN.test(value) || emailSchema.safeParse(value).success);
}

export const responseFieldSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'must start with a letter and use only letters, digits and _ (max 64)')
    .describe('Key under which the answer appears in response.fields, e.g. "po_number".'),
  label: z.string().min(1).max(150).describe('Question shown to the human, e.g. "PO number".'),
  required: z.boolean().optional().describe('When true the human cannot decide without answering. Default false.'),
});

/** A request that names no timeout times out after this many hours. */
export const DEFAULT_TIMEOUT_HOURS = 24;

/** The arguments alone; whether a recipient is required depends on whether a policy routes the request. */
export const requestArgumentsSchema = z.strictObject({
  action_description: z
    .string({ error: 'is required: a string describing the action' })
    .min(1, 'must not be empty')
    .max(3000, 'must be at most 3000 characters')
    .describe('Plain-language description of the exact action you are about to take, e.g. "Drop table users in prod".'),
  action_details: z
    .record(z.string().min(1).max(150), z.string().max(2000), {
      error: 'is required: an object of string → string (may be {})',
    })
    .refine((o) => Object.keys(o).length <= 50, 'must have at most 50 entries')
    .describe('Key facts as string → string pairs, shown as a table (at most 50). Use {} when there are none.'),
  recipient_email: emailSchema
    .optional()
    .describe('E-mail address of the human who decides (fallback when Slack is also given).'),
  recipient_slack: z
    .string()
    .regex(SLACK_TARGET_PATTERN, 'must be #channel-name, a channel id (C…/G…) or a user id (U…/W…)')
    .optional()
    .describe('Slack destination: "#channel", a channel id (C…/G…) or a user id (U…/W…) for a DM.'),
  timeout_hours: z
    .number({ error: 'must be a number' })
    .positive('must be greater than 0')
    .max(MAX_TIMEOUT_HOURS, `must be at most ${MAX_TIMEOUT_HOURS}`)
    .default(DEFAULT_TIMEOUT_HOURS)
    .describe('Hours until the request times out (default 24, max 168; fractions allowed, 0.01 = 36 s).'),
  idempotency_key: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe('Retry-safe key: the same key returns the same pause and sends no second message.'),
  response_fields: z
    .array(responseFieldSchema)
    .max(10, 'must have at most 10 entries')
    .refine((a) => new Set(a.map((f) => f.name)).size === a.length, 'names must be unique')
    .optional()
    .describe('Extra answers to collect from the human (e.g. a PO number); they arrive in response.fields.'),
  approvers: z
    .array(z.string().max(254).refine(isHumanId, HUMAN_RULE))
    .min(1, 'must not be empty when given')
    .max(50, 'must have at most 50 entries')
    .optional()
    .describe('Only these people (e-mails or Slack user ids) may decide; anyone else is refused.'),
});

/** Without an operator policy the agent names where the request goes. */
export const requestApprovalSchema = requestArgumentsSchema.refine(
  (a) => a.recipient_email !== undefined || a.recipient_slack !== undefined,
  { message: 'at least one of recipient_email or recipient_slack is required', path: ['recipient_slack'] },
);

export type ApprovalRequest = z.output<typeof requestApprovalSchema>;
export type ApprovalRequestInput = z.input<typeof requestApprovalSchema>;
export type ResponseField = z.output<typeof responseFieldSchema>;

const pauseIdSchema = z
  .string({ error: 'is required: the pause_id returned by request_approval' })
  .regex(PAUSE_ID_PATTERN, 'must be a pause id like pse_…, as returned by request_approval')
  .describe('The pause_id returned by request_approval.');

export const checkApprovalSchema = z.strictObject({
  pause_id: pauseIdSchema,
  wait_seconds: z
    .number({ error: 'must be a number' })
    .min(0, 'must be at least 0')
    .max(MAX_WAIT_SECONDS, `must be at most ${MAX_WAIT_SECONDS}`)
    .default(0)
    .describe('Hold the call up to this many seconds (0–50) until a human decides. Default 0: answer at once.'),
});

export const cancelApprovalSchema = z.strictObject({
  pause_id: pauseIdSchema,
  reason: z.string().max(500, 'must be at most 500 characters').optional().describe('Why the request is withdrawn.'),
});

export const pauseStatusSchema = z.enum(PAUSE_STATUSES);
export const decisionSchema = z.enum(DECISIONS);
export const decisionChannelSchema = z.enum(DECISION_CHANNELS);
