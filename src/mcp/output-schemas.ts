import { z } from 'zod';
import { decisionChannelSchema, decisionSchema, pauseStatusSchema } from '../domain/schemas.js';

/** Shapes of the tools' results, published as outputSchema. */

const status = pauseStatusSchema;

export const requestApprovalOutput = z.object({
  pause_id: z.string().describe('Pass this to check_approval.'),
  status,
  expires_at: z.string().describe('ISO 8601 time after which the request times out.'),
  MANDATORY_NEXT_STEP: z.string(),
});

const signedResponseOutput = z.object({
  decision: decisionSchema,
  comment: z.string(),
  fields: z.record(z.string(), z.string()),
  responder: z.string().describe('The human: e-mail where known, else Slack user id.'),
  responded_at: z.string(),
  channel: decisionChannelSchema,
  nonce: z.string(),
  pause_id: z.string(),
  action_digest: z.string(),
  approvals: z
    .array(
      z.object({
        channel: decisionChannelSchema,
        comment: z.string(),
        fields: z
          .record(z.string(), z.string())
          .optional()
          .describe("This voter's own answers to response_fields ({} when none); absent on older decisions."),
        responded_at: z.string(),
        responder: z.string(),
      }),
    )
    .optional()
    .describe('Human decisions: every approval in vote order (several when a quorum was required).'),
  receipt: z
    .string()
    .optional()
    .describe(
      'Ed25519 receipt (compact JWS) anyone can verify with GET /.well-known/jwks.json; covered by signature. Absent on older decisions.',
    ),
  signature: z
    .string()
    .describe('sha256=<hex HMAC> over the other fields, top-level keys sorted; verify before acting.'),
});

export const checkApprovalOutput = z.object({
  pause_id: z.string(),
  agent_id: z.string(),
  status,
  created_at: z.string(),
  expires_at: z.string(),
  response: signedResponseOutput.optional(),
  cancel_reason: z.string().optional(),
  policy_rule: z.string().optional().describe('The operator policy rule that matched the request.'),
  approvals_received: z.number().int().optional().describe('While pending: approvals so far.'),
  approvals_required: z.number().int().optional().describe('While pending: approvals needed (a policy quorum).'),
  message: z.string().optional(),
});

export const cancelApprovalOutput = z.object({
  pause_id: z.string(),
  status,
  cancelled: z.boolean().describe('False when the pause had already ended: nothing changed.'),
  message: z.string(),
});
