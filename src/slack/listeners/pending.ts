import type { Pause } from '../../domain/pause.js';
import type { Page } from '../../store/store.js';
import { maySeeInSlack } from '../audience.js';
import { LIST_PAGE_SIZE } from '../blocks/index.js';
import type { SlackDeps } from '../deps.js';

/**
 * One page of the pending pauses that went to Slack which `userId` may see (maySeeInSlack),
 * newest first; past-deadline ones left out.
 */
export async function pendingSlackPauses(deps: SlackDeps, userId: string, cursor?: string): Promise<Page<Pause>> {
  const { ids } = await deps.identity.identities(userId);
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
  const visible = page.items.filter((p) => Date.parse(p.expires_at) > now && maySeeInSlack(p, ids));
  return { items: visible, next_cursor: page.next_cursor };
}
