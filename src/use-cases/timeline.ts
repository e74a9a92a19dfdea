import { type AuditEntry, entryHash, parseEntry } from '../domain/audit/chain.js';
import { notFound } from '../domain/errors.js';
import type { AuditLog } from '../store/ports/audit.js';
import type { UseCaseDeps } from './deps.js';
import { loadOwnPause, loadPause } from './load-pause.js';

export interface TimelineEntry extends AuditEntry {
  /** This entry's hash (absent while not sealed yet): the next entry's `prev`. */
  hash?: string;
}

/**
 * `GET /v1/pauses/:id/events`: one pause's audit entries, oldest first. The agent's own pause, or any
 * pause for an admin key; another key's pause is not found.
 */
export async function pauseTimeline(
  deps: UseCaseDeps<Pick<AuditLog, 'pauseTimeline'>>,
  caller: { agentId: string; admin: boolean },
  pauseId: string,
): Promise<{ pause_id: string; events: TimelineEntry[] }> {
  if (caller.admin) {
    if (!(await loadPause(deps, pauseId))) throw notFound(pauseId);
  } else {
    await loadOwnPause(deps, caller.agentId, pauseId);
  }
  const stored = await deps.store.pauseTimeline(pauseId);
  return {
    pause_id: pauseId,
    events: stored.map(({ body, prev }) => ({
      ...parseEntry(body, prev),
      ...(prev === null ? {} : { hash: entryHash(body, prev) }),
    })),
  };
}
