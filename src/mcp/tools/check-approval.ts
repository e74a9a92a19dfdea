import { checkApprovalSchema } from '../../domain/schemas.js';
import { checkApprovalOutput } from '../output-schemas.js';
import type { Tool } from '../tool.js';

export const checkApprovalTool: Tool = {
  name: 'check_approval',
  title: 'Check whether a human decided',
  description:
    'Returns the status of a pause created by request_approval. "pending": no decision yet, call again ' +
    '(wait_seconds up to 50 holds the call until the human decides). "responded": read response.decision ' +
    '("approved" or "rejected"); the response is HMAC-signed and bound to this pause and action. ' +
    '"timed_out" or "expired": do not perform the action.',
  inputSchema: checkApprovalSchema,
  outputSchema: checkApprovalOutput,
  annotations: { readOnlyHint: true, openWorldHint: false },
  run: ({ service, agentId, signal }, args) => service.check(agentId, args, signal),
};
