import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Link } from '../../src/domain/approvals/identities.js';
import { askLinks, type IdentityDirectory, LOOKUP_BUDGET_MS } from '../../src/use-cases/identity-links.js';

/** Asking Slack before a vote is judged: every answer a Link, whatever Slack does. */
describe('askLinks', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  const directory = (slackIdOf: (email: string) => Promise<Link>): IdentityDirectory => ({
    slackIdOf,
    emailOf: async () => ({ kind: 'found', value: 'sarah.home@example.org' }),
  });

  it('answers what was asked, by human key; a directory that throws is an unknown link', async () => {
    const links = await askLinks(
      directory(async (email) => {
        if (email === 'bob@acme.com') throw new TypeError('boom');
        return { kind: 'found', value: 'U0SARAH1' };
      }),
      { emails: ['Sarah@Acme.com', 'bob@acme.com'], slackIds: ['U0SARAH1'] },
      [],
    );
    expect(links.slackIdOf('sarah@acme.com')).toEqual({ kind: 'found', value: 'U0SARAH1' });
    expect(links.slackIdOf('bob@acme.com')).toEqual({ kind: 'unknown', error: 'TypeError' });
    expect(links.emailOf('U0SARAH1')).toEqual({ kind: 'found', value: 'sarah.home@example.org' });
    // Not asked: nobody.
    expect(links.slackIdOf('cy@acme.com')).toEqual({ kind: 'none' });
  });

  it('a lookup Slack never answers is unknown (no_answer) once the budget is spent', async () => {
    vi.useFakeTimers();
    const asked = askLinks(
      directory(() => new Promise<Link>(() => {})),
      { emails: ['sarah@acme.com'], slackIds: [] },
      [],
    );
    await vi.advanceTimersByTimeAsync(LOOKUP_BUDGET_MS);
    expect((await asked).slackIdOf('sarah@acme.com')).toEqual({ kind: 'unknown', error: 'no_answer' });
  });

  it('without a directory, only the pairing the caller gave is known', async () => {
    const links = await askLinks(undefined, { emails: ['bob@acme.com'], slackIds: ['U0BOB1234'] }, [
      'U0BOB1234',
      'Bob@acme.com',
    ]);
    expect(links.slackIdOf('bob@acme.com')).toEqual({ kind: 'found', value: 'U0BOB1234' });
    expect(links.emailOf('U0BOB1234')).toEqual({ kind: 'found', value: 'Bob@acme.com' });
    expect(links.slackIdOf('cy@acme.com')).toEqual({ kind: 'none' });
  });
});
