import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { homeView } from '../../blocks/index.js';
import type { SlackDeps } from '../../deps.js';
import { ActionId } from '../../ids.js';
import { pendingSlackPauses } from '../pending.js';
import type { ButtonArgs } from './click.js';

/** "Show more" on the App Home tab: publishes the next page. */
export function registerHomeMore(app: App, deps: SlackDeps): void {
  app.action<BlockAction<ButtonAction>>(ActionId.homeMore, async ({ ack, action, body, client }: ButtonArgs) => {
    await ack();
    const page = await pendingSlackPauses(deps, body.user.id, action.value);
    await client.views.publish({ user_id: body.user.id, view: homeView(page.items, page.next_cursor, page.note) });
  });
}
