import type { App } from '@slack/bolt';
import { homeView } from '../../blocks/index.js';
import type { SlackDeps } from '../../deps.js';
import { slackErrorSummary } from '../../errors.js';
import { pendingSlackPauses } from '../pending.js';

/** The App Home tab shows the pending list, with the same buttons. */
export function registerAppHomeOpened(app: App, deps: SlackDeps): void {
  app.event('app_home_opened', async ({ event, client }) => {
    if (event.tab !== 'home') return;
    const page = await pendingSlackPauses(deps, event.user);
    try {
      await client.views.publish({ user_id: event.user, view: homeView(page.items, page.next_cursor, page.note) });
    } catch (error) {
      deps.logger.warn({ err: slackErrorSummary(error) }, 'views.publish failed');
    }
  });
}
