import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { slackErrorSummary } from '../errors.js';

/**
 * A private answer to one user: ephemeral in the channel of the click, else (App Home, or a
 * channel the bot cannot post in) a DM from the app.
 */
export async function replyPrivately(
  client: WebClient,
  logger: Logger,
  target: { user: string; channel?: string | undefined },
  text: string,
): Promise<void> {
  if (target.channel) {
    try {
      await client.chat.postEphemeral({ channel: target.channel, user: target.user, text });
      return;
    } catch (error) {
      logger.debug({ err: slackErrorSummary(error) }, 'chat.postEphemeral failed; sending a DM');
    }
  }
  try {
    await client.chat.postMessage({ channel: target.user, text });
  } catch (error) {
    logger.warn({ err: slackErrorSummary(error) }, 'could not tell a Slack user the outcome of a click');
  }
}
