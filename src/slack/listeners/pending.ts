import type { Pause } from '../../domain/pause.js';
import type { Page } from '../../store/ports/pauses.js';
import { LIST_PAGE_SIZE, UNCHECKED_NOTE } from '../blocks/index.js';
import type { SlackDeps } from '../deps.js';

/** A page of the list, and a note when channel requests had to be left out unchecked. */
export type PendingPage = Page<Pause> & { note?: string };

/**
 * One page of the pending pauses that went to Slack which `userId` may see (SlackAudience),
 * newest first; past-deadline ones left out.
 */
export async function pendingSlackPauses(deps: SlackDeps, userId: string, cursor?: string): Promise<PendingPage> {
  let page: Page<Pause>;
  try {
    page = await deps.store.listPauses({
      slackOnly: true,
      status: 'pending',
      limit: LIST_PAGE_SIZE,
      ...(cursor ? { cursor } : {}),
    });
  } catch {
    // A stale or forged cursor: start again from the newest.
    page = await deps.store.listPauses({ slackOnly: true, status: 'pending', limit: LIST_PAGE_SIZE });
  }
  const now = deps.service.now();
  const live = page.items.filter((p) => Date.parse(p.expires_at) > now);
  const { visible, unchecked } = await deps.audience.visible(live, userId);
  return { items: visible, next_cursor: page.next_cursor, ...(unchecked ? { note: UNCHECKED_NOTE } : {}) };
}
