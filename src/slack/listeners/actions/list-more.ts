import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { pendingListMessage } from '../../blocks/index.js';
import type { SlackDeps } from '../../deps.js';
import { ActionId } from '../../ids.js';
import { pendingSlackPauses } from '../pending.js';
import type { ButtonArgs } from './click.js';

/** "Show more" under the /looppause list: the next page replaces the ephemeral message. */
export function registerListMore(app: App, deps: SlackDeps): void {
  app.action<BlockAction<ButtonAction>>(ActionId.listMore, async ({ ack, action, body, respond }: ButtonArgs) => {
    await ack();
    const page = await pendingSlackPauses(deps, body.user.id, action.value);
    await respond({
      response_type: 'ephemeral',
      replace_original: true,
      ...pendingListMessage(page.items, page.next_cursor, page.note),
    });
  });
}
