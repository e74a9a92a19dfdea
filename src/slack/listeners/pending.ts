import type { Pause } from '../../domain/pause.js';
import { encodeCursor } from '../../store/cursor.js';
import type { Page } from '../../store/ports/pauses.js';
import { LIST_PAGE_SIZE, UNCHECKED_NOTE } from '../blocks/index.js';
import type { SlackDeps } from '../deps.js';

/** A page of the list, and a note when channel requests had to be left out unchecked. */
export type PendingPage = Page<Pause> & { note?: string };

/**
 * Store pages read for one list page at most: requests the user may not see are skipped, so
 * others' requests cannot push theirs off the list, but one list never reads the whole store.
 */
const MAX_STORE_PAGES = 5;
const STORE_PAGE_SIZE = 50;

/**
 * One page of the pending pauses that went to Slack which `userId` may see (SlackAudience),
 * newest first; past-deadline ones left out.
 */
export async function pendingSlackPauses(deps: SlackDeps, userId: string, cursor?: string): Promise<PendingPage> {
  const now = deps.service.now();
  const visible: Pause[] = [];
  let unchecked = false;
  let next: string | null | undefined = cursor;
  for (let read = 0; read < MAX_STORE_PAGES && next !== null && visible.length < LIST_PAGE_SIZE; read++) {
    const page = await storePage(deps, next);
    const live = page.items.filter((p) => Date.parse(p.expires_at) > now);
    const seen = await deps.audience.visible(live, userId);
    visible.push(...seen.visible);
    unchecked ||= seen.unchecked;
    next = page.next_cursor;
  }
  const items = visible.slice(0, LIST_PAGE_SIZE);
  const last = items.at(-1);
  // Cut inside a store page: go on after the last item shown, not after the page.
  const nextCursor =
    visible.length > LIST_PAGE_SIZE && last
      ? encodeCursor({ score: Date.parse(last.created_at), id: last.pause_id })
      : (next ?? null);
  return { items, next_cursor: nextCursor, ...(unchecked ? { note: UNCHECKED_NOTE } : {}) };
}

async function storePage(deps: SlackDeps, cursor: string | undefined): Promise<Page<Pause>> {
  const query = { slackOnly: true, status: 'pending' as const, limit: STORE_PAGE_SIZE };
  try {
    return await deps.store.listPauses({ ...query, ...(cursor ? { cursor } : {}) });
  } catch {
    // A stale or forged cursor: start again from the newest.
    return deps.store.listPauses(query);
  }
}
