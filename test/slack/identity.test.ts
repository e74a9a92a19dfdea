import { describe, expect, it } from 'vitest';
import { slackDepsOverMemory } from '../helpers/slack-unit.js';

/** The Slack side of "one human is one identity": what users.info and users.lookupByEmail answer, and what is kept. */
describe('IdentityResolver', () => {
  it('answers found or nobody, keeps both answers, and shares a lookup asked twice at once', async () => {
    const { deps, slack } = slackDepsOverMemory({ emails: { U0SARAH1: 'sarah.home@example.org' } });
    const [a, b] = await Promise.all([
      deps.identity.slackIdOf('Sarah.Home@example.org'),
      deps.identity.slackIdOf('sarah.home@example.org'),
    ]);
    expect(a).toEqual({ kind: 'found', value: 'U0SARAH1' });
    expect(b).toEqual(a);
    expect(await deps.identity.slackIdOf('sarah@acme.com')).toEqual({ kind: 'none' });
    expect(await deps.identity.slackIdOf('sarah@acme.com')).toEqual({ kind: 'none' });
    expect(slack.callsTo('users.lookupByEmail')).toHaveLength(2);
    expect(await deps.identity.emailOf('U0SARAH1')).toEqual({ kind: 'found', value: 'sarah.home@example.org' });
    expect(await deps.identity.emailOf('U0NOMAIL1')).toEqual({ kind: 'none' });
    expect(await deps.identity.userIdFor('sarah@acme.com')).toBeUndefined();
  });

  it('a failure is unknown, with the Slack error code, and is asked again next time', async () => {
    const { deps, slack } = slackDepsOverMemory({ emails: { U0BOB1234: 'bob@acme.com' } });
    slack.failing.set('users.lookupByEmail', 'ratelimited');
    slack.failing.set('users.info', 'missing_scope');
    expect(await deps.identity.slackIdOf('bob@acme.com')).toEqual({ kind: 'unknown', error: 'ratelimited' });
    expect(await deps.identity.emailOf('U0BOB1234')).toEqual({ kind: 'unknown', error: 'missing_scope' });
    expect(await deps.identity.email('U0BOB1234')).toBeUndefined();
    slack.failing.clear();
    expect(await deps.identity.slackIdOf('bob@acme.com')).toEqual({ kind: 'found', value: 'U0BOB1234' });
    expect(await deps.identity.emailOf('U0BOB1234')).toEqual({ kind: 'found', value: 'bob@acme.com' });
    expect(slack.callsTo('users.lookupByEmail')).toHaveLength(2);
  });
});
