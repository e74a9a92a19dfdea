import { cancelApprovalSchema } from '../../domain/schemas.js';
import { cancelApprovalOutput } from '../output-schemas.js';
import type { Tool } from '../tool.js';

export const cancelApprovalTool: Tool = {
  name: 'cancel_approval',
  title: 'Withdraw an approval request',
  description:
    'Withdraws a pending request (status becomes "expired") and updates the message the human sees. ' +
    'Use it when the action is no longer needed. Cancelling a request that already ended changes nothing.',
  inputSchema: cancelApprovalSchema,
  outputSchema: cancelApprovalOutput,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  run: ({ service, agentId }, args) => service.cancel(agentId, args),
};
