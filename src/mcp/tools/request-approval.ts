import { requestApprovalSchema } from '../../domain/schemas.js';
import { checkApprovalOutput, requestApprovalOutput } from '../output-schemas.js';
import type { Tool } from '../tool.js';

export const requestApprovalTool: Tool = {
  name: 'request_approval',
  title: 'Ask a human to approve an action',
  description:
    'Call this BEFORE any action that is destructive, irreversible, costly or visible to others ' +
    '(deleting data, deploying, paying, sending messages). A human is asked in Slack and/or by e-mail. ' +
    'Returns a pause_id at once; then call check_approval until status is "responded" and act only if ' +
    'response.decision is "approved". Give at least one of recipient_slack or recipient_email.',
  descriptionUnderPolicy:
    'Call this BEFORE any action that is destructive, irreversible, costly or visible to others ' +
    "(deleting data, deploying, paying, sending messages). This server's operator policy decides who is " +
    'asked: leave recipient_slack, recipient_email, approvers and timeout_hours out unless you were told ' +
    'where to send the request. Returns a pause_id at once; then call check_approval until status is ' +
    '"responded" and act only if response.decision is "approved".',
  inputSchema: requestApprovalSchema,
  outputSchema: requestApprovalOutput,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  taskSupport: 'optional',
  // As a task, the result is check_approval's once a human decided (or the request timed out or was withdrawn).
  taskResultSchema: checkApprovalOutput,
  run: ({ service, agentId }, args) => service.request(agentId, args),
};
