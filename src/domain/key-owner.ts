import { z } from 'zod';
import { SLACK_USER_PATTERN } from './schemas.js';

const email = z.email().max(254);

/** What an owner must be: the rule of `approvers` (an e-mail address or a Slack user id). */
export const KEY_OWNER_RULE = 'must be an e-mail address or a Slack user id (U…/W…)';

/** An API key's owner: the human behind the agent, under the same rules as `approvers`. */
export function isKeyOwner(value: string): boolean {
  return value.length <= 254 && (SLACK_USER_PATTERN.test(value) || email.safeParse(value).success);
}
