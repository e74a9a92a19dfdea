import type { Verdict } from '../audience.js';
import { NOT_APPROVER_TEXT } from './outcome.js';

const NOT_INVITED = 'LoopPause is not in that channel: ask someone in it to `/invite @LoopPause`.';
/** A missing scope is fixed by an admin, never by waiting: which scope, and the reinstall it needs. */
function missingScopeHint(needed: string | undefined): string {
  const scope = needed ? `the ${needed} permission` : 'the channels:read / groups:read permission';
  return (
    `LoopPause lacks ${scope} in Slack: a Slack admin must add it to the app (manifest.json has it) ` +
    'and reinstall the app to the workspace.'
  );
}

/** The Slack errors an admin fixes (inviting the bot); any other failure may clear up by itself. */
const ADMIN_HINTS = new Map([
  ['not_in_channel', NOT_INVITED],
  ['channel_not_found', NOT_INVITED],
]);

/** What a refused click or submission is told, privately. */
export function refusalText(verdict: Exclude<Verdict, { allowed: true }>): string {
  switch (verdict.why) {
    case 'not_approver':
      return NOT_APPROVER_TEXT;
    case 'not_member':
      return 'Sorry, only members of the channel this request was posted (or escalated) to may decide it. Nothing changed.';
    case 'unposted':
      return (
        'This request was not posted to its channel, so LoopPause cannot tell who may decide it in Slack. ' +
        'Nothing changed.'
      );
    case 'unreadable': {
      const hint =
        verdict.error === 'missing_scope'
          ? missingScopeHint(verdict.needed)
          : (ADMIN_HINTS.get(verdict.error) ?? 'Slack did not answer: please try again in a minute.');
      const checked = `LoopPause could not check that you are a member of <#${verdict.channel}>`;
      return `${checked}, so it cannot take your decision. ${hint} Nothing changed.`;
    }
  }
}

/** Under a list from which channel requests were left out because membership could not be read. */
export const UNCHECKED_NOTE =
  'Some channel requests are not shown: LoopPause could not check channel membership ' +
  '(it needs the channels:read and groups:read permissions, or Slack did not answer).';
