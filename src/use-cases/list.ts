import { type PauseView, toView, withEffectiveStatus } from '../domain/pause.js';
import type { PauseState } from '../domain/vocabulary.js';
import type { Page } from '../store/ports/pauses.js';
import type { UseCaseDeps } from './deps.js';

export interface ListQuery {
  status?: PauseState;
  limit: number;
  cursor?: string;
}

/**
 * The agent's own pauses, newest first, each with its status as of now; a page holding an ended
 * pause is answered once the store's replicas hold it.
 */
export async function listApprovals(deps: UseCaseDeps, agentId: string, query: ListQuery): Promise<Page<PauseView>> {
  const page = await deps.store.listPauses({ ...query, agentId });
  const ended = page.items.filter((p) => p.status !== 'pending');
  if (ended.length > 0) await deps.store.confirmReplicated(ended);
  const nowMs = deps.now();
  return { items: page.items.map((p) => toView(withEffectiveStatus(p, nowMs))), next_cursor: page.next_cursor };
}
