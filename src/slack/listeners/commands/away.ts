import type { Delegation } from '../../../domain/delegation.js';
import { LoopPauseError } from '../../../domain/errors.js';
import { escapeText } from '../../blocks/escape.js';
import type { SlackDeps } from '../../deps.js';

type Reply = { response_type: 'ephemeral'; text: string };
const reply = (text: string): Reply => ({ response_type: 'ephemeral', text });

export const AWAY_USAGE =
  'Usage: `/looppause away @someone until 2026-12-24` (a date: from 00:00 UTC that day; or an ISO time like 2026-12-24T17:00:00Z), and `/looppause back`.';

/** A user mention as Slack sends it in a command's text: `<@U123ABC>` or `<@U123ABC|name>`. */
const MENTION = /^<@([UW][A-Z0-9]{6,20})(?:\|[^>]*)?>$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** `away <@D> until T`, parsed; a message saying what is wrong otherwise. */
export function parseAway(args: string): { delegate: string; until: string } | { error: string } {
  const words = args.trim().split(/\s+/).filter(Boolean);
  const [mention, keyword, when, ...rest] = words;
  if (mention === undefined || keyword?.toLowerCase() !== 'until' || when === undefined || rest.length > 0) {
    return { error: AWAY_USAGE };
  }
  const user = MENTION.exec(mention)?.[1];
  if (user === undefined) return { error: `Name the delegate as a Slack mention (@someone). ${AWAY_USAGE}` };
  return { delegate: user, until: DATE_ONLY.test(when) ? `${when}T00:00:00Z` : when };
}

/**
 * Who someone is for a delegation: the e-mail Slack shows for their account when it gives one (the
 * policy names people by e-mail, and votes by e-mail link or dashboard sign-in match it), else their
 * Slack id.
 */
async function who(deps: Pick<SlackDeps, 'identity'>, userId: string): Promise<string> {
  return (await deps.identity.email(userId)) ?? userId;
}

/** `/looppause away @D until T`: the typist goes away until T; D decides for them meanwhile. */
export async function awayReply(
  deps: Pick<SlackDeps, 'identity' | 'service'>,
  userId: string,
  args: string,
): Promise<Reply> {
  const parsed = parseAway(args);
  if ('error' in parsed) return reply(parsed.error);
  if (parsed.delegate === userId) return reply('You cannot delegate to yourself: name someone else.');
  const [absent, delegate] = await Promise.all([who(deps, userId), who(deps, parsed.delegate)]);
  let set: Delegation;
  try {
    set = await deps.service.delegate({ absent, delegate, until: parsed.until }, absent);
  } catch (error) {
    if (error instanceof LoopPauseError && error.code !== 'internal') {
      return reply(`Not set — ${escapeText(error.message)}`);
    }
    throw error;
  }
  return reply(
    `You are away until ${escapeText(set.until)}: <@${parsed.delegate}> receives your requests and decides for you meanwhile. ` +
      '`/looppause back` ends it sooner.',
  );
}

/** `/looppause back`: the typist's delegation ends now. */
export async function backReply(deps: Pick<SlackDeps, 'identity' | 'service'>, userId: string): Promise<Reply> {
  const absent = await who(deps, userId);
  const ended =
    (await deps.service.endDelegation(absent, absent)) ?? (await deps.service.endDelegation(userId, absent));
  if (!ended) return reply('You were not away: nothing to end.');
  return reply(`Welcome back: ${escapeText(ended.delegate)} no longer decides for you.`);
}
