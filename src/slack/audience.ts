import { mayDecide, type Pause } from '../domain/pause.js';
import { SLACK_USER_PATTERN } from '../domain/schemas.js';

/**
 * Who may see a pause in Slack's lists and decide it there. With `approvers`: only they. Without,
 * a request sent as a DM belongs to its recipient alone; one posted to a channel is the channel's,
 * and LoopPause cannot tell channel members apart without extra scopes, so anyone may.
 */
export function maySeeInSlack(pause: Pause, identities: readonly string[]): boolean {
  if ((pause.request.approvers ?? []).length > 0) return mayDecide(pause, identities);
  const target = pause.request.recipient_slack ?? '';
  if (SLACK_USER_PATTERN.test(target)) return identities.includes(target);
  return true;
}
