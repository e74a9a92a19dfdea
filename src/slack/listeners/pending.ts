import type { Pause } from '../../domain/pause.js';
import type { Page } from '../../store/store.js';
import { LIST_PAGE_SIZE } from '../blocks/index.js';
import type { SlackDeps } from '../deps.js';

/** One page of pending pauses that went to Slack, newest first; past-deadline ones left out. */
export async function pendingSlackPauses(deps: SlackDeps, cursor?: string): Promise<Page<Pause>> {
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
  return { items: page.items.filter((p) => Date.parse(p.expires_at) > now), next_cursor: page.next_cursor };
}
