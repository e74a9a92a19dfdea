import { agentActor } from '../domain/audit/events.js';
import { notFound } from '../domain/errors.js';
import { cancelApprovalSchema } from '../domain/schemas.js';
import { parseInput } from '../domain/validation.js';
import { type PauseStatus, wireStatus } from '../domain/vocabulary.js';
import type { UseCaseDeps } from './deps.js';
import { loadOwnPause } from './load-pause.js';

export interface CancelResult {
  pause_id: string;
  status: PauseStatus;
  cancelled: boolean;
  message: string;
}

/** cancel_approval: a pending pause is cancelled (`expired` on the wire); a finished one is left as it is, and says so. */
export async function cancelApproval(deps: UseCaseDeps, agentId: string, args: unknown): Promise<CancelResult> {
  const { pause_id: pauseId, reason } = parseInput(cancelApprovalSchema, args);
  await loadOwnPause(deps, agentId, pauseId);
  const result = await deps.store.cancel(pauseId, reason, deps.now(), agentActor(agentId));
  if (result.outcome === 'not_found') throw notFound(pauseId);
  const status = wireStatus(result.pause.status);
  if (result.outcome === 'ended') {
    deps.metrics?.pausesEnded.inc({ outcome: 'cancelled', channel: 'agent' });
    return { pause_id: pauseId, status, cancelled: true, message: 'Cancelled: the request is withdrawn.' };
  }
  return {
    pause_id: pauseId,
    status,
    cancelled: false,
    message: `Nothing changed: the pause had already ended (${status}).`,
  };
}
