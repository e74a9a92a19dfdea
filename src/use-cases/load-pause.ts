import { notFound } from '../domain/errors.js';
import { type Pause, withEffectiveStatus } from '../domain/pause.js';
import type { UseCaseDeps } from './deps.js';

/** Any pause by id, its status as of now: a pending pause past its deadline reads as timed out. */
export async function loadPause(deps: UseCaseDeps, pauseId: string): Promise<Pause | null> {
  const pause = await deps.store.getPause(pauseId);
  return pause ? withEffectiveStatus(pause, deps.now()) : null;
}

/** The agent's own pause; another key's pause is indistinguishable from one that does not exist. */
export async function loadOwnPause(deps: UseCaseDeps, agentId: string, pauseId: string): Promise<Pause> {
  const pause = await loadPause(deps, pauseId);
  if (!pause || pause.agent_id !== agentId) throw notFound(pauseId);
  return pause;
}
