import { notFound } from '../domain/errors.js';
import { type Pause, withEffectiveStatus } from '../domain/pause.js';
import type { UseCaseDeps } from './deps.js';

/** Any pause by id, its status as of now: a pending pause past its deadline reads as timed out. */
export async function loadPause(deps: UseCaseDeps, pauseId: string): Promise<Pause | null> {
  const pause = await deps.store.getPause(pauseId);
  return pause ? withEffectiveStatus(pause, deps.now()) : null;
}

/**
 * The agent's own pause, null for another key's (indistinguishable from one that does not exist).
 * An ended one is handed over only once the store's replicas hold its end (`confirmReplicated`):
 * what an agent reads as decided, it may act on.
 */
export async function findOwnPause(deps: UseCaseDeps, agentId: string, pauseId: string): Promise<Pause | null> {
  const pause = await deps.store.getPause(pauseId);
  if (!pause || pause.agent_id !== agentId) return null;
  if (pause.status !== 'pending') await deps.store.confirmReplicated([pause]);
  return withEffectiveStatus(pause, deps.now());
}

/** `findOwnPause`, not found when it is null. */
export async function loadOwnPause(deps: UseCaseDeps, agentId: string, pauseId: string): Promise<Pause> {
  const pause = await findOwnPause(deps, agentId, pauseId);
  if (!pause) throw notFound(pauseId);
  return pause;
}
