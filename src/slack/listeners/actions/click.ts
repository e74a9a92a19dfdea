import type { AllMiddlewareArgs, BlockAction, ButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { PAUSE_ID_PATTERN } from '../../../domain/ids.js';
import type { SlackDeps } from '../../deps.js';
import { type ClickMode, handleClick } from '../decide.js';

export type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

/** Ack at once (Slack's 3 s), then do the work. The button's value is the pause id, nothing else. */
export function decisionButtonListener(deps: SlackDeps, mode: ClickMode) {
  return async ({ ack, body, action }: ButtonArgs): Promise<void> => {
    await ack();
    const pauseId = action.value ?? '';
    if (!PAUSE_ID_PATTERN.test(pauseId)) return;
    await handleClick(
      deps,
      {
        pauseId,
        userId: body.user.id,
        channel: body.channel?.id ?? body.container?.channel_id,
        triggerId: body.trigger_id,
      },
      mode,
    );
  };
}
