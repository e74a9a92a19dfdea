import { humanKey } from '../policy/humans.js';
import { SLACK_USER_PATTERN } from '../schemas.js';
import { currentApprovers, escalationsDue } from './approvers.js';
import type { ApprovalPlan } from './plan.js';
import type { Vote } from './votes.js';

/**
 * One human is one identity. Slack knows a person by their account (a Slack id); everything else
 * by an e-mail address. The only thing joining the two is Slack's own word: which account holds an
 * address now (users.lookupByEmail), and which address an account shows (its profile e-mail, which
 * its owner may change or set to another alias of theirs). So:
 *
 * - the identities the policy, the request and the key owner name are the canonical ones; a named
 *   address is linked to the account Slack holds it under, a named Slack id to its profile e-mail;
 * - a voter is matched to a named identity by what the surface proved (the Slack id of a signed
 *   click, the address of an e-mail link or of a dashboard sign-in): ids with ids, addresses with
 *   addresses, and across through the account Slack holds the named (or proved) address under,
 *   never through the voter's profile e-mail alone;
 * - two humans are the same when any identity joins them (profile e-mails included); they are told
 *   apart only by a Slack account each, or by a named or proved address each. A profile e-mail
 *   joins identities and never separates them.
 *
 * Where maker-checker or a quorum depends on telling two people apart and Slack cannot (nobody holds
 * that address, Slack did not answer, no Slack is connected), the vote is refused as unverifiable
 * rather than counted. Everything here is pure: the Slack answers come in as `Links`.
 */

/** Slack's answer to one lookup: the linked identity, nobody, or no answer (the Slack error code). */
export type Link = { kind: 'found'; value: string } | { kind: 'none' } | { kind: 'unknown'; error: string };

/** The Slack answers a judgement reads, for the questions `linkQuestions` asked; others are `none`. */
export interface Links {
  /** users.lookupByEmail: the Slack account holding this address. */
  slackIdOf(email: string): Link;
  /** users.info: the profile e-mail of this Slack account. */
  emailOf(userId: string): Link;
}

/** What to ask Slack before judging a vote. */
export interface LinkQuestions {
  emails: string[];
  slackIds: string[];
}

/** Why a vote is refused as unverifiable, for the words the voter is told. */
export interface Unverifiable {
  /** Whom the vote could not be told apart from. */
  from: 'owner' | 'earlier_voter' | 'approvers';
  /** How the surface knows the voter: only by a Slack account, only by an address, or not at all. */
  voter: 'slack' | 'email' | 'nothing';
  /**
   * The missing link: nobody in Slack holds the address (`none`), Slack did not answer (its error
   * code), or this server has no Slack to ask (`no_slack`).
   */
  cause: { kind: 'none' } | { kind: 'unknown'; error: string } | { kind: 'no_slack' };
}

export type VoteJudgement =
  /** Counted, under `voters`: every identity key of the canonical human (stored for "already voted"). */
  | { verdict: 'ok'; voters: string[] }
  | { verdict: 'not_approver' | 'owner' | 'already_voted' }
  | { verdict: 'unverifiable'; reason: Unverifiable };

/** What a judgement reads of a pause. */
export interface Subject {
  created_at: string;
  request: { approvers?: string[]; recipient_email?: string; recipient_slack?: string };
  plan?: ApprovalPlan;
  votes?: readonly Pick<Vote, 'voters'>[];
}

/** A human as far as LoopPause can tell: keys are human keys (e-mails lower-cased). */
interface Human {
  /** Slack accounts: the voter's own, a named one, or the one Slack holds a named or proved address under. */
  slackIds: Set<string>;
  /** Addresses named (policy, request, key owner) or proved by the surface (e-mail link, sign-in). */
  emails: Set<string>;
  /** Profile e-mails of those accounts: they join, never separate. */
  profiles: Set<string>;
}

const isEmail = (id: string): boolean => id.includes('@');
const known = (ids: ReadonlyArray<string | undefined>): string[] =>
  ids.filter((id): id is string => id !== undefined && id !== '');

/**
 * What the surface proved. A Slack id is the signed clicker (or the Slack user a dashboard session
 * came from); an e-mail beside it is only what Slack showed for that account (its profile), so it
 * joins and does not prove. An e-mail alone is the address the surface proved (the link, the sign-in).
 */
function proved(identities: ReadonlyArray<string | undefined>): Human {
  const ids = known(identities);
  const slackIds = ids.filter((id) => !isEmail(id));
  const emails = ids.filter(isEmail).map(humanKey);
  return slackIds.length > 0
    ? { slackIds: new Set(slackIds), emails: new Set(), profiles: new Set(emails) }
    : { slackIds: new Set(), emails: new Set(emails), profiles: new Set() };
}

function found(link: Link): string | undefined {
  return link.kind === 'found' ? link.value : undefined;
}

/** `human` with the accounts Slack holds its addresses under and the profile e-mails of its accounts. */
function linked(human: Human, links: Links): Human {
  const slackIds = new Set(human.slackIds);
  const profiles = new Set(human.profiles);
  for (const email of human.emails) {
    const id = found(links.slackIdOf(email));
    if (id !== undefined) slackIds.add(id);
  }
  for (const id of slackIds) {
    const email = found(links.emailOf(id));
    if (email !== undefined) profiles.add(humanKey(email));
  }
  return { slackIds, emails: new Set(human.emails), profiles };
}

/** A named identity (approver, owner, recipient), with its link. */
function named(entry: string, links: Links): Human {
  const base: Human = isEmail(entry)
    ? { slackIds: new Set(), emails: new Set([humanKey(entry)]), profiles: new Set() }
    : { slackIds: new Set([entry]), emails: new Set(), profiles: new Set() };
  return linked(base, links);
}

/** An earlier vote's human, from the keys stored with it (accounts and named or proved addresses). */
function stored(voters: readonly string[], links: Links): Human {
  return linked(
    {
      slackIds: new Set(voters.filter((key) => !isEmail(key))),
      emails: new Set(voters.filter(isEmail).map(humanKey)),
      profiles: new Set(),
    },
    links,
  );
}

function union(humans: readonly Human[]): Human {
  const out: Human = { slackIds: new Set(), emails: new Set(), profiles: new Set() };
  for (const h of humans) {
    for (const id of h.slackIds) out.slackIds.add(id);
    for (const e of h.emails) out.emails.add(e);
    for (const p of h.profiles) out.profiles.add(p);
  }
  return out;
}

const intersects = (a: ReadonlySet<string>, b: ReadonlySet<string>): boolean => [...a].some((key) => b.has(key));

/** The voter is this named identity: a shared account, or a shared named or proved address. */
function matches(voter: Human, entry: Human): boolean {
  return intersects(voter.slackIds, entry.slackIds) || intersects(voter.emails, entry.emails);
}

/** Any identity joins them: accounts, addresses, profile e-mails. */
function same(a: Human, b: Human): boolean {
  const keys = (h: Human) => new Set([...h.slackIds, ...h.emails, ...h.profiles]);
  return intersects(keys(a), keys(b));
}

/** Not the same, and known to be two: a Slack account each (one account per human), or an address each. */
function toldApart(a: Human, b: Human): boolean {
  if (same(a, b)) return false;
  return (a.slackIds.size > 0 && b.slackIds.size > 0) || (a.emails.size > 0 && b.emails.size > 0);
}

/** Every identity the pause names: its approvers as of now, the key owner, its recipients, due escalation routes. */
function namedEntries(pause: Subject, nowMs: number): string[] {
  const steps = (pause.plan?.escalate ?? []).slice(0, escalationsDue(pause, nowMs));
  const { recipient_email, recipient_slack } = pause.request;
  const entries = [
    ...(currentApprovers(pause, nowMs) ?? []),
    pause.plan?.excluded_owner,
    recipient_email,
    recipient_slack,
    ...steps.flatMap((step) => [step.route?.email, step.route?.slack]),
  ];
  // Channels are not humans: only addresses and user ids (U…, W…) name someone.
  const humans = known(entries).filter((entry) => isEmail(entry) || SLACK_USER_PATTERN.test(entry));
  return [...new Map(humans.map((entry) => [humanKey(entry), entry])).values()];
}

/** Whether telling people apart matters for this pause: maker-checker, a quorum of several, earlier votes. */
function needsTellingApart(pause: Subject): boolean {
  return pause.plan?.excluded_owner !== undefined || (pause.plan?.quorum ?? 1) > 1 || (pause.votes ?? []).length > 0;
}

/**
 * What Slack must be asked before `judgeVote` (or `approverStanding`) for this voter. A Slack voter:
 * their profile e-mail, and which accounts hold the named addresses (and earlier voters' addresses)
 * that could be theirs. A voter by address: the account holding it. The owner: always linked.
 * With neither maker-checker nor a quorum, only what the approvers list needs.
 */
export function linkQuestions(
  pause: Subject,
  identities: ReadonlyArray<string | undefined>,
  nowMs: number,
  scope: 'vote' | 'approvers' = 'vote',
): LinkQuestions {
  const voter = proved(identities);
  const full = scope === 'vote' && needsTellingApart(pause);
  const approvers = currentApprovers(pause, nowMs) ?? [];
  const emails = new Set<string>();
  const slackIds = new Set<string>();
  const bySlack = voter.slackIds.size > 0;
  if (bySlack) {
    // Their profile e-mail only joins identities: wanted where people must be told apart.
    if (full) for (const id of voter.slackIds) slackIds.add(id);
    const listed = full ? namedEntries(pause, nowMs) : approvers;
    // Listed by their own id: nothing to look up to know they are on the list.
    const direct = approvers.some((entry) => voter.slackIds.has(entry));
    if (full || !direct) for (const entry of listed.filter(isEmail)) emails.add(humanKey(entry));
    if (full) {
      for (const vote of pause.votes ?? []) {
        if (vote.voters.some((key) => !isEmail(key))) continue;
        for (const key of vote.voters) emails.add(humanKey(key));
      }
    }
  } else if (full || approvers.some((entry) => !isEmail(entry))) {
    for (const email of voter.emails) emails.add(email);
  }
  const owner = scope === 'vote' ? pause.plan?.excluded_owner : undefined;
  if (owner !== undefined) {
    if (isEmail(owner)) emails.add(humanKey(owner));
    else slackIds.add(owner);
  }
  return { emails: [...emails], slackIds: [...slackIds] };
}

/**
 * Whether the voter is one of the approvers as of now: `yes`, `no`, or `unknown` when a lookup Slack
 * did not answer could have made them one (the error code). `yes` when the pause names no approvers.
 */
export function approverStanding(
  pause: Subject,
  identities: ReadonlyArray<string | undefined>,
  links: Links,
  nowMs: number,
): { standing: 'yes' | 'no' } | { standing: 'unknown'; error: string } {
  const approvers = currentApprovers(pause, nowMs);
  if (!approvers) return { standing: 'yes' };
  const voter = linked(proved(identities), links);
  if (approvers.some((entry) => matches(voter, named(entry, links)))) return { standing: 'yes' };
  const error = approverGap(voter, approvers, links);
  return error === undefined ? { standing: 'no' } : { standing: 'unknown', error };
}

/** A lookup that did not answer and could have matched the voter to an approver: its error code. */
function approverGap(voter: Human, approvers: readonly string[], links: Links): string | undefined {
  const unknown = (link: Link) => (link.kind === 'unknown' ? link.error : undefined);
  if (voter.slackIds.size > 0) {
    for (const entry of approvers.filter(isEmail)) {
      const error = unknown(links.slackIdOf(entry));
      if (error !== undefined) return error;
    }
    return undefined;
  }
  const couldBeAccount = approvers.some((entry) => !isEmail(entry) || found(links.slackIdOf(entry)) !== undefined);
  if (!couldBeAccount) return undefined;
  for (const email of voter.emails) {
    const error = unknown(links.slackIdOf(email));
    if (error !== undefined) return error;
  }
  return undefined;
}

/**
 * The judgement on one vote, against the approvers as of now, the key owner and the earlier votes:
 * - `not_approver`: not matched to any approver (or `unverifiable` from `approvers` when a lookup
 *   Slack did not answer could have matched them);
 * - `owner`: any identity joins them to the key owner; `unverifiable`: they cannot be told apart
 *   from the owner (maker-checker);
 * - `already_voted`: any identity joins them to an earlier voter; `unverifiable`: with a quorum,
 *   they cannot be told apart from one;
 * - `ok`: counted, under the keys of the voter and of every named identity they matched, so a second
 *   vote by the same human on another surface is a repeat for the store too.
 */
export function judgeVote(
  pause: Subject,
  identities: ReadonlyArray<string | undefined>,
  links: Links,
  nowMs: number,
): VoteJudgement {
  const standing = approverStanding(pause, identities, links, nowMs);
  if (standing.standing === 'no') return { verdict: 'not_approver' };
  if (standing.standing === 'unknown') {
    const voter = proved(identities);
    return {
      verdict: 'unverifiable',
      reason: { from: 'approvers', voter: knownBy(voter), cause: { kind: 'unknown', error: standing.error } },
    };
  }
  const voter = linked(proved(identities), links);
  const matched = namedEntries(pause, nowMs)
    .map((entry) => named(entry, links))
    .filter((entry) => matches(voter, entry));
  const human = union([voter, ...matched]);

  const owner = pause.plan?.excluded_owner;
  if (owner !== undefined) {
    const theOwner = named(owner, links);
    if (same(human, theOwner)) return { verdict: 'owner' };
    if (!toldApart(human, theOwner)) {
      return { verdict: 'unverifiable', reason: { from: 'owner', ...gap(human, theOwner, links) } };
    }
  }

  const earlier = (pause.votes ?? []).map((vote) => stored(vote.voters, links));
  if (earlier.some((other) => same(human, other))) return { verdict: 'already_voted' };
  const unclear = earlier.find((other) => !toldApart(human, other));
  if (unclear) return { verdict: 'unverifiable', reason: { from: 'earlier_voter', ...gap(human, unclear, links) } };

  return { verdict: 'ok', voters: [...human.slackIds, ...human.emails] };
}

function knownBy(human: Human): Unverifiable['voter'] {
  if (human.slackIds.size > 0) return 'slack';
  return human.emails.size > 0 ? 'email' : 'nothing';
}

/**
 * Why `human` and `other` could not be told apart: the link that would have done it. A voter known
 * by Slack only needs the account the other's address is held under; a voter known by address only
 * needs the account theirs is held under.
 */
function gap(human: Human, other: Human, links: Links): Pick<Unverifiable, 'voter' | 'cause'> {
  const voter = human.emails.size > 0 ? 'email' : knownBy(human);
  const addresses = voter === 'slack' ? other.emails : voter === 'email' ? human.emails : new Set<string>();
  for (const email of addresses) {
    const link = links.slackIdOf(email);
    if (link.kind === 'unknown') return { voter, cause: { kind: 'unknown', error: link.error } };
  }
  return { voter, cause: { kind: 'none' } };
}

/** Links with no Slack: only what the caller gave beside a Slack id (its profile e-mail) is known. */
export function callerLinks(identities: ReadonlyArray<string | undefined>): Links {
  const ids = known(identities);
  const slackIds = ids.filter((id) => !isEmail(id));
  const emails = ids.filter(isEmail);
  const [id] = slackIds;
  const [email] = emails;
  const only = slackIds.length === 1 && emails.length === 1 && id !== undefined && email !== undefined;
  return {
    slackIdOf: (address) => (only && humanKey(address) === humanKey(email) ? { kind: 'found', value: id } : NONE),
    emailOf: (user) => (only && user === id ? { kind: 'found', value: email } : NONE),
  };
}

const NONE: Link = { kind: 'none' };

/** Links from answers gathered for `linkQuestions`, by human key; anything not asked is `none`. */
export function linksFrom(byEmail: ReadonlyMap<string, Link>, bySlackId: ReadonlyMap<string, Link>): Links {
  return {
    slackIdOf: (email) => byEmail.get(humanKey(email)) ?? NONE,
    emailOf: (userId) => bySlackId.get(userId) ?? NONE,
  };
}
