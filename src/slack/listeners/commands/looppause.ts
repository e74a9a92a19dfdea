import type { AllMiddlewareArgs, App, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { helpMessage, pendingListMessage } from '../../blocks/index.js';
import type { SlackDeps } from '../../deps.js';
import { SLASH_COMMAND } from '../../ids.js';
import { pendingSlackPauses } from '../pending.js';
import { awayReply, backReply } from './away.js';
import { loginReply } from './login.js';

type Args = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

/**
 * `/looppause` and `/looppause pending`: the ephemeral list; `/looppause login`: a dashboard link;
 * `/looppause away @D until T` and `/looppause back`: delegation; `/looppause help`: help.
 */
export function registerLooppauseCommand(app: App, deps: SlackDeps): void {
  app.command(SLASH_COMMAND, async ({ ack, command, respond }: Args) => {
    await ack();
    const sub = command.text.trim().toLowerCase();
    if (sub === '' || sub === 'pending' || sub === 'list') {
      const page = await pendingSlackPauses(deps, command.user_id);
      await respond({ response_type: 'ephemeral', ...pendingListMessage(page.items, page.next_cursor, page.note) });
      return;
    }
    if (sub === 'login') {
      await respond(await loginReply(deps, command.user_id));
      return;
    }
    if (sub === 'back') {
      await respond(await backReply(deps, command.user_id));
      return;
    }
    if (sub.split(/\s+/)[0] === 'away') {
      await respond(await awayReply(deps, command.user_id, command.text.trim().slice('away'.length)));
      return;
    }
    const help = helpMessage();
    if (sub !== 'help') help.text = `Unknown subcommand. ${help.text}`;
    await respond({ response_type: 'ephemeral', ...help });
  });
}
