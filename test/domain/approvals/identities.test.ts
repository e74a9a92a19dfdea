import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  callerLinks,
  judgeVote,
  type Link,
  type Links,
  linkQuestions,
  linksFrom,
  type VoteJudgement,
} from '../../../src/domain/approvals/identities.js';
import type { ApprovalPlan } from '../../../src/domain/approvals/index.js';

/**
 * One human is one identity: the pure rule that links a voter to the people a pause names through
 * Slack's answers, refuses the key owner whatever surface they use, and never counts one human
 * twice toward a quorum. Slack is a table of accounts here; only the questions `linkQuestions`
 * asked are answered, as the use case does.
 */

const CREATED = '2026-01-01T00:00:00.000Z';
const T0 = Date.parse(CREATED);

interface Subject {
  created_at: string;
  request: { approvers?: string[]; recipient_email?: string; recipient_slack?: string };
  plan?: ApprovalPlan;
  votes: { voters: string[] }[];
}

function pause(approvers: string[] | undefined, plan: Partial<ApprovalPlan> = {}): Subject {
  return {
    created_at: CREATED,
    request: approvers ? { approvers } : {},
    plan: { quorum: 1, remind_after_ms: [], escalate: [], on_timeout: 'timed_out', ...plan },
    votes: [],
  };
}

/** A workspace: account → profile e-mail (or none); lookups answer from it, or fail as told. */
interface Workspace {
  profiles: Record<string, string | undefined>;
  /** Addresses or ids whose lookup fails with this error. */
  failing?: Record<string, string>;
}

function answer(workspace: Workspace | undefined, questions: { emails: string[]; slackIds: string[] }): Links {
  const byEmail = new Map<string, Link>();
  const bySlackId = new Map<string, Link>();
  for (const email of questions.emails) {
    const error = workspace?.failing?.[email];
    const holder = Object.entries(workspace?.profiles ?? {}).find(([, p]) => p?.toLowerCase() === email)?.[0];
    byEmail.set(
      email,
      error ? { kind: 'unknown', error } : holder ? { kind: 'found', value: holder } : { kind: 'none' },
    );
  }
  for (const id of questions.slackIds) {
    const error = workspace?.failing?.[id];
    const profile = workspace?.profiles[id];
    bySlackId.set(
      id,
      error ? { kind: 'unknown', error } : profile ? { kind: 'found', value: profile } : { kind: 'none' },
    );
  }
  return linksFrom(byEmail, bySlackId);
}

/** As decideApproval does: ask what the rule needs (no Slack: only the caller's own pairing), then judge. */
function judge(subject: Subject, identities: string[], workspace: Workspace | undefined, nowMs = T0): VoteJudgement {
  const questions = linkQuestions(subject, identities, nowMs);
  const links = workspace ? answer(workspace, questions) : callerLinks(identities);
  return judgeVote(subject, identities, links, nowMs);
}

/** Judges and, when counted, records the vote as the store would. */
function vote(subject: Subject, identities: string[], workspace: Workspace | undefined): VoteJudgement['verdict'] {
  const judged = judge(subject, identities, workspace);
  if (judged.verdict === 'ok') subject.votes.push({ voters: judged.voters });
  return judged.verdict;
}

// Sarah's Slack profile shows her home address; the key and the controllers group know her at work.
const SARAH_HOME: Workspace = {
  profiles: { U0SARAH1: 'sarah.home@example.org', U0BOB123: 'bob@acme.com', U0CY0001: 'cy@acme.com' },
};
// The same workspace once Sarah's Slack account carries her work address.
const SARAH_WORK: Workspace = {
  profiles: { U0SARAH1: 'sarah@acme.com', U0BOB123: 'bob@acme.com', U0CY0001: 'cy@acme.com' },
};

describe('maker-checker over linked identities', () => {
  it('(a) the owner known by e-mail votes from a Slack account showing another address: refused, not counted', () => {
    const p = pause(['U0SARAH1', 'bob@acme.com'], { excluded_owner: 'sarah@acme.com' });
    const judged = judge(p, ['U0SARAH1', 'sarah.home@example.org'], SARAH_HOME);
    expect(judged).toEqual({
      verdict: 'unverifiable',
      reason: { from: 'owner', voter: 'slack', cause: { kind: 'none' } },
    });
    // Bob is linked to the listed bob@acme.com through the account Slack holds it under: told apart.
    expect(judge(p, ['U0BOB123', 'bob@acme.com'], SARAH_HOME).verdict).toBe('ok');
  });

  it('compares Slack ids once Slack holds the owner address: the owner is refused, anyone else counted', () => {
    const p = pause(['U0SARAH1', 'U0BOB123'], { excluded_owner: 'sarah@acme.com' });
    expect(judge(p, ['U0SARAH1', 'sarah@acme.com'], SARAH_WORK).verdict).toBe('owner');
    // Whatever the clicker's profile says: the id is what counts.
    expect(judge(p, ['U0SARAH1'], SARAH_WORK).verdict).toBe('owner');
    expect(judge(p, ['U0BOB123'], SARAH_WORK).verdict).toBe('ok');
  });

  it('an owner known by e-mail that no Slack account holds: a voter listed only by Slack id cannot be told apart', () => {
    const p = pause(['U0SARAH1', 'U0BOB123'], { excluded_owner: 'sarah@acme.com' });
    expect(judge(p, ['U0BOB123', 'bob@acme.com'], SARAH_HOME)).toMatchObject({
      verdict: 'unverifiable',
      reason: { from: 'owner', voter: 'slack', cause: { kind: 'none' } },
    });
    // By e-mail, Bob is an address against an address: told apart.
    const byMail = pause(['U0SARAH1', 'bob@acme.com'], { excluded_owner: 'sarah@acme.com' });
    expect(judge(byMail, ['bob@acme.com'], SARAH_HOME).verdict).toBe('ok');
  });

  it('the owner given as a Slack id votes by e-mail or on the web: refused through the account holding the address', () => {
    const p = pause(['sarah@acme.com', 'bob@acme.com'], { excluded_owner: 'U0SARAH1' });
    expect(judge(p, ['sarah@acme.com'], SARAH_WORK).verdict).toBe('owner');
    // Her Slack account shows another address: nobody in Slack holds sarah@acme.com, so it cannot be checked.
    expect(judge(p, ['sarah@acme.com'], SARAH_HOME)).toEqual({
      verdict: 'unverifiable',
      reason: { from: 'owner', voter: 'email', cause: { kind: 'none' } },
    });
    // The address her profile shows is hers, on any surface.
    expect(
      judge(pause(['sarah.home@example.org'], { excluded_owner: 'U0SARAH1' }), ['sarah.home@example.org'], SARAH_HOME)
        .verdict,
    ).toBe('owner');
    // Bob's address is held by another account: told apart.
    expect(judge(p, ['bob@acme.com'], SARAH_HOME).verdict).toBe('ok');
    // A dashboard session from Slack: the id decides, the e-mail beside it only joins.
    expect(judge(p, ['sarah@acme.com', 'U0SARAH1'], SARAH_HOME).verdict).toBe('not_approver');
    expect(
      judge(pause(undefined, { excluded_owner: 'U0SARAH1' }), ['sarah.home@example.org', 'U0SARAH1'], SARAH_HOME)
        .verdict,
    ).toBe('owner');
  });

  it('a lookup Slack does not answer refuses the vote, saying so, instead of counting it', () => {
    const p = pause(['U0SARAH1', 'U0BOB123'], { excluded_owner: 'sarah@acme.com' });
    const failing: Workspace = { ...SARAH_WORK, failing: { 'sarah@acme.com': 'ratelimited' } };
    expect(judge(p, ['U0BOB123'], failing)).toEqual({
      verdict: 'unverifiable',
      reason: { from: 'owner', voter: 'slack', cause: { kind: 'unknown', error: 'ratelimited' } },
    });
    // An approver listed by e-mail whose account Slack cannot say: not "not an approver", but unverifiable.
    const listed = pause(['bob@acme.com']);
    const down: Workspace = { ...SARAH_WORK, failing: { 'bob@acme.com': 'missing_scope' } };
    expect(judge(listed, ['U0BOB123'], down)).toEqual({
      verdict: 'unverifiable',
      reason: { from: 'approvers', voter: 'slack', cause: { kind: 'unknown', error: 'missing_scope' } },
    });
    expect(judge(listed, ['U0BOB123'], SARAH_WORK).verdict).toBe('ok');
  });

  it('a Slack profile e-mail alone never makes an approver', () => {
    // Mallory's profile claims Bob's address; Slack holds it under Bob's account.
    const forged: Workspace = { profiles: { U0BOB123: 'bob@acme.com' } };
    expect(judge(pause(['bob@acme.com']), ['U0MALLORY', 'bob@acme.com'], forged).verdict).toBe('not_approver');
  });

  it('without Slack: e-mail owner and e-mail voters work as before', () => {
    const p = pause(['sarah@acme.com', 'bob@acme.com'], { excluded_owner: 'Sarah@Acme.com', quorum: 2 });
    expect(vote(p, ['SARAH@acme.com'], undefined)).toBe('owner');
    expect(vote(p, ['bob@acme.com'], undefined)).toBe('ok');
    expect(vote(p, ['Bob@Acme.com'], undefined)).toBe('already_voted');
    expect(vote(p, ['eve@acme.com'], undefined)).toBe('not_approver');
    // A single approval without an owner: anyone the request reaches, known or not.
    expect(judge(pause(undefined), [], undefined).verdict).toBe('ok');
    // An owner known only by Slack id cannot be checked against an address with no Slack to ask.
    expect(judge(pause(undefined, { excluded_owner: 'U0SARAH1' }), ['bob@acme.com'], undefined)).toMatchObject({
      verdict: 'unverifiable',
      reason: { from: 'owner', voter: 'email' },
    });
  });
});

describe('a quorum counts humans, not identities', () => {
  it('(b) Slack as U0SARAH1, then the web as sarah@acme.com: the second vote is refused, either way round', () => {
    const approvers = ['U0SARAH1', 'sarah@acme.com', 'cy@acme.com'];
    const slackFirst = pause(approvers, { quorum: 2 });
    expect(vote(slackFirst, ['U0SARAH1', 'sarah.home@example.org'], SARAH_HOME)).toBe('ok');
    expect(judge(slackFirst, ['sarah@acme.com'], SARAH_HOME)).toEqual({
      verdict: 'unverifiable',
      reason: { from: 'earlier_voter', voter: 'email', cause: { kind: 'none' } },
    });
    const webFirst = pause(approvers, { quorum: 2 });
    expect(vote(webFirst, ['sarah@acme.com'], SARAH_HOME)).toBe('ok');
    expect(judge(webFirst, ['U0SARAH1', 'sarah.home@example.org'], SARAH_HOME)).toEqual({
      verdict: 'unverifiable',
      reason: { from: 'earlier_voter', voter: 'slack', cause: { kind: 'none' } },
    });
    // Someone else is still counted, on either surface.
    expect(vote(slackFirst, ['cy@acme.com'], SARAH_HOME)).toBe('ok');
    expect(vote(webFirst, ['U0CY0001', 'cy@acme.com'], SARAH_HOME)).toBe('ok');
  });

  it('once Slack links the two, the second vote is a repeat, and it is recorded under every linked identity', () => {
    const p = pause(['U0SARAH1', 'sarah@acme.com', 'cy@acme.com'], { quorum: 2 });
    const first = judge(p, ['U0SARAH1'], SARAH_WORK);
    expect(first).toEqual({ verdict: 'ok', voters: ['U0SARAH1', 'sarah@acme.com'] });
    p.votes.push({ voters: first.verdict === 'ok' ? first.voters : [] });
    expect(judge(p, ['Sarah@Acme.com'], SARAH_WORK).verdict).toBe('already_voted');
  });

  it('Slack accounts alone are told apart: a Slack-only quorum needs no e-mail scope', () => {
    const noEmails: Workspace = { profiles: { U0ADA0001: undefined, U0BOB0001: undefined } };
    const p = pause(['U0ADA0001', 'U0BOB0001'], { quorum: 2 });
    expect(vote(p, ['U0ADA0001'], noEmails)).toBe('ok');
    expect(vote(p, ['U0ADA0001'], noEmails)).toBe('already_voted');
    expect(vote(p, ['U0BOB0001'], noEmails)).toBe('ok');
  });
});

// Properties over random workspaces, policies and surfaces.

interface Person {
  /** The address the operator knows them by. */
  address: string;
  /** Their Slack account, if any, and the profile e-mail it shows (their address, an alias, or none). */
  account?: { id: string; profile?: string };
}

const personArb = (i: number): fc.Arbitrary<Person> =>
  fc
    .record({
      hasAccount: fc.boolean(),
      profile: fc.constantFrom('address', 'alias', 'none'),
    })
    .map(({ hasAccount, profile }) => {
      const address = `p${i}@acme.com`;
      if (!hasAccount) return { address };
      const shown = profile === 'address' ? address : profile === 'alias' ? `p${i}.home@example.org` : undefined;
      return { address, account: { id: `U0PERSON${i}`, ...(shown ? { profile: shown } : {}) } };
    });

type Surface = 'slack' | 'email' | 'web' | 'web-from-slack';

/** What a surface tells the use case about `person`, or undefined when they cannot vote there. */
function identitiesOn(person: Person, surface: Surface, slackAnswers: boolean): string[] | undefined {
  const account = person.account;
  switch (surface) {
    case 'slack':
      if (!account) return undefined;
      return account.profile && slackAnswers ? [account.id, account.profile] : [account.id];
    case 'email':
    case 'web':
      return [person.address];
    case 'web-from-slack':
      // /looppause login needs the profile e-mail.
      return account?.profile && slackAnswers ? [account.profile, account.id] : undefined;
  }
}

const worldArb = fc
  .integer({ min: 2, max: 5 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => personArb(i))))
  .chain((people) =>
    fc.record({
      people: fc.constant(people),
      // Each listed person by their address, their Slack id, or both (one human listed twice).
      listing: fc.array(fc.constantFrom('address', 'id', 'both', 'absent'), {
        minLength: people.length,
        maxLength: people.length,
      }),
      owner: fc.option(
        fc.record({ who: fc.integer({ min: 0, max: people.length - 1 }), by: fc.constantFrom('address', 'id') }),
      ),
      // Where the request went: a person's address, their Slack id (a DM), both, or neither.
      recipients: fc.record({
        email: fc.option(fc.integer({ min: 0, max: people.length - 1 })),
        slack: fc.option(fc.integer({ min: 0, max: people.length - 1 })),
      }),
      quorum: fc.integer({ min: 1, max: 3 }),
      slack: fc.constantFrom('connected', 'failing', 'off'),
      failing: fc.array(fc.boolean(), { minLength: 2 * people.length, maxLength: 2 * people.length }),
      votes: fc.array(
        fc.record({
          who: fc.integer({ min: 0, max: people.length - 1 }),
          surface: fc.constantFrom<Surface>('slack', 'email', 'web', 'web-from-slack'),
        }),
        { maxLength: 12 },
      ),
    }),
  );

type WorldValue = typeof worldArb extends fc.Arbitrary<infer W> ? W : never;

function setUp(world: WorldValue) {
  const { people } = world;
  const entryOf = (person: Person, by: 'address' | 'id'): string | undefined =>
    by === 'address' ? person.address : person.account?.id;
  const approvers = people.flatMap((person, i) => {
    const how = world.listing[i];
    if (how === 'absent') return [];
    if (how === 'both') return [person.address, ...(person.account ? [person.account.id] : [])];
    return [entryOf(person, how === 'id' ? 'id' : 'address') ?? person.address];
  });
  const ownerPerson = world.owner ? people[world.owner.who] : undefined;
  const owner = world.owner && ownerPerson ? (entryOf(ownerPerson, world.owner.by) ?? ownerPerson.address) : undefined;
  const subject = pause(approvers.length > 0 ? approvers : undefined, {
    quorum: world.quorum,
    ...(owner ? { excluded_owner: owner } : {}),
  });
  const byEmail = world.recipients.email === null ? undefined : people[world.recipients.email];
  const bySlack = world.recipients.slack === null ? undefined : people[world.recipients.slack]?.account;
  if (byEmail) subject.request.recipient_email = byEmail.address;
  if (bySlack) subject.request.recipient_slack = bySlack.id;
  const failing: Record<string, string> = {};
  if (world.slack === 'failing') {
    people.forEach((person, i) => {
      if (world.failing[2 * i]) failing[person.address] = 'ratelimited';
      if (world.failing[2 * i + 1] && person.account) failing[person.account.id] = 'ratelimited';
    });
  }
  const profiles: Record<string, string | undefined> = {};
  for (const person of people) if (person.account) profiles[person.account.id] = person.account.profile;
  const workspace: Workspace | undefined = world.slack === 'off' ? undefined : { profiles, failing };
  return { subject, workspace, ownerIndex: world.owner?.who };
}

describe('properties', () => {
  it('whatever the identities, listings, surfaces and Slack failures: the owner never counts, nobody counts twice', () => {
    fc.assert(
      fc.property(worldArb, (world) => {
        const { subject, workspace, ownerIndex } = setUp(world);
        const counted: number[] = [];
        for (const { who, surface } of world.votes) {
          const person = world.people[who] as Person;
          // No Slack connected: nobody votes from Slack.
          if (!workspace && (surface === 'slack' || surface === 'web-from-slack')) continue;
          // The Slack surface passes the profile e-mail only when users.info answered.
          const answered = !person.account || workspace?.failing?.[person.account.id] === undefined;
          const identities = identitiesOn(person, surface, answered);
          if (!identities) continue;
          const judged = judge(subject, identities, workspace);
          if (judged.verdict !== 'ok') continue;
          // The store's own check: any shared key is a repeat.
          if (subject.votes.some((v) => v.voters.some((key) => judged.voters.includes(key)))) continue;
          subject.votes.push({ voters: judged.voters });
          counted.push(who);
        }
        expect(counted).not.toContain(ownerIndex);
        expect(new Set(counted).size).toBe(counted.length);
      }),
      { numRuns: 400 },
    );
  });

  it('where Slack holds each address under its person, every other approver counts once, on any surface', () => {
    const consistent = worldArb.map((world) => ({
      ...world,
      slack: 'connected' as const,
      people: world.people.map((p, i) => ({ address: p.address, account: { id: `U0PERSON${i}`, profile: p.address } })),
    }));
    fc.assert(
      fc.property(consistent, (world) => {
        const { subject, workspace, ownerIndex } = setUp(world);
        const listed = (who: number) => world.listing[who] !== 'absent' || subject.request.approvers === undefined;
        const seen = new Set<number>();
        for (const { who, surface } of world.votes) {
          const identities = identitiesOn(world.people[who] as Person, surface, true) as string[];
          const verdict = vote(subject, identities, workspace);
          if (who === ownerIndex)
            expect(verdict === 'owner' || (verdict === 'not_approver' && !listed(who))).toBe(true);
          else if (!listed(who)) expect(verdict).toBe('not_approver');
          else expect(verdict).toBe(seen.has(who) ? 'already_voted' : 'ok');
          if (verdict === 'ok') seen.add(who);
        }
      }),
      { numRuns: 300 },
    );
  });
});
