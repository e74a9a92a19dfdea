import { awayOn } from '../domain/approvals/index.js';
import { awayNotice } from '../domain/delegation.js';
import type { Pause } from '../domain/pause.js';
import type { ApprovalService } from './approval-service.js';

/** "Sarah is away until … — Bob decides for them", for each away approver of `pause` (plain text). */
export async function awayLines(
  service: Pick<ApprovalService, 'delegations' | 'now'>,
  pause: Pause,
): Promise<string[]> {
  const delegations = await service.delegations();
  return awayOn(pause, delegations, service.now()).map((d) => awayNotice(d));
}
