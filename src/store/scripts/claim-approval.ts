import { defineScript } from '../lua-scripts.js';
import type { ClaimOutcome } from '../ports/pauses.js';

/** lua/claim-approval-1.lua: one claimant acts on a tool call's approval. */
export const claimApprovalScript = defineScript({
  name: 'claim-approval',
  numKeys: 1,
  keys: (k, { pauseId }: { pauseId: string; claimant: string }) => [k.pause(pauseId)] as const,
  args: (_k, { claimant }: { pauseId: string; claimant: string }) => [/* 1 */ claimant],
  durable: true,
  reply: (raw): ClaimOutcome => (raw === 1 ? 'claimed' : raw === 2 ? 'used' : 'not_approved'),
});
