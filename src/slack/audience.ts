import { approverStanding, linkQuestions } from '../domain/approvals/identities.js';
import { currentApprovers, escalationsDue, standIn } from '../domain/approvals/index.js';
import type { Delegation } from '../domain/delegation.js';
import type { Pause, SlackDelivery } from '../domain/pause.js';
import { SLACK_USER_PATTERN } from '../domain/schemas.js';
import { askLinks } from '../use-cases/identity-links.js';
import type { IdentityResolver } from './identity.js';
import { type ChannelMembership, MembershipUnreadable } from './membership.js';
import { escalateKey } from './messages.js';

const CHANNEL_ID_PATTERN = /^[CG][A-Z0-9]+$/;

/** Whose a request is in Slack: where it was sent (and escalated). `approvers`, when given, narrow it further. */
export type Audience =
  | { kind: 'recipient'; user: string }
  | { kind: 'channel'; channel: string }
  /** Sent to a channel it never reached (no post yet, or the post failed): nobody there to decide. */
  | { kind: 'unposted' }
  /** Not sent to Slack at all (e-mail only). */
  | { kind: 'nobody' };

/**
 * A DM belongs to its recipient; a channel request to the members of the channel Slack answered the
 * post with. Channel ids chosen by the agent are never looked up before the bot posted there.
 */
function audienceOf(pause: Pause): Audience {
  return placeOf(pause.request.recipient_slack, pause.delivery.slack);
}

function placeOf(target: string | undefined, posted: SlackDelivery | undefined): Audience {
  if (!target) return { kind: 'nobody' };
  if (SLACK_USER_PATTERN.test(target)) return { kind: 'recipient', user: target };
  const channel = posted?.state === 'posted' ? posted.channel : undefined;
  return channel && CHANNEL_ID_PATTERN.test(channel) ? { kind: 'channel', channel } : { kind: 'unposted' };
}

/**
 * Every place a request was sent as of `nowMs`: where the agent (or policy) sent it, then the Slack
 * route of each escalation step that came due (a channel once the escalation was posted there).
 */
function audiencesOf(pause: Pause, nowMs: number): Audience[] {
  const steps = (pause.plan?.escalate ?? []).slice(0, escalationsDue(pause, nowMs));
  const escalated = steps.flatMap((step, i) =>
    step.route?.slack === undefined ? [] : [placeOf(step.route.slack, pause.delivery[escalateKey(i)])],
  );
  return [audienceOf(pause), ...escalated];
}

export type Verdict =
  | { allowed: true }
  | { allowed: false; why: 'not_approver' | 'not_member' | 'unposted' }
  | { allowed: false; why: 'unreadable'; channel: string; error: string; needed?: string };

const ALLOWED: Verdict = { allowed: true };

/**
 * Refused everywhere: the most useful reason to tell. A membership that could not be read may be
 * the user's way in; "not a member" says more than "not the recipient" or "not posted".
 */
function rank(verdict: Verdict): number {
  if (verdict.allowed) return 4;
  return { unreadable: 3, not_member: 2, not_approver: 1, unposted: 0 }[verdict.why];
}

/** A DM's recipient, or nobody: the places that need no membership lookup. */
function placeVerdict(audience: Exclude<Audience, { kind: 'channel' }>, userId: string): Verdict {
  switch (audience.kind) {
    case 'recipient':
      return audience.user === userId ? ALLOWED : { allowed: false, why: 'not_approver' };
    case 'unposted':
      return { allowed: false, why: 'unposted' };
    case 'nobody':
      return { allowed: false, why: 'not_approver' };
  }
}

/** Who may see a request in Slack's lists and decide it there: one rule for lists, clicks and submissions. */
export class SlackAudience {
  constructor(
    private readonly identity: IdentityResolver,
    private readonly membership: ChannelMembership,
    /** The service's clock: escalation steps come due by it. */
    private readonly now: () => number = Date.now,
    /** The delegations in force: a delegate may act where the away approver could. */
    private readonly delegations?: () => Promise<Delegation[]>,
  ) {}

  /**
   * Where the request was sent decides who may act on it: the first place, or an escalation's once
   * it is due. `approvers` (chosen by the agent or the policy) only narrow that audience, never
   * widen it: an approver outside every place is refused too.
   */
  async verdict(pause: Pause, userId: string): Promise<Verdict> {
    return this.firstAllowed(pause, userId, audiencesOf(pause, this.now()), (channel) =>
      this.memberVerdict(channel, userId),
    );
  }

  /** `verdict` over given places, channel memberships read through `member` (one rule for one pause and for lists). */
  private async firstAllowed(
    pause: Pause,
    userId: string,
    places: readonly Audience[],
    member: (channel: string) => Promise<Verdict>,
  ): Promise<Verdict> {
    let refusal: Verdict | undefined;
    for (const place of places) {
      const verdict = place.kind === 'channel' ? await member(place.channel) : placeVerdict(place, userId);
      if (verdict.allowed) return this.narrowed(pause, userId);
      if (!refusal || rank(verdict) > rank(refusal)) refusal = verdict;
    }
    return refusal ?? { allowed: false, why: 'not_approver' };
  }

  /**
   * Allowed in a place: `approvers`, when the request has any, must include `userId`, or `userId`
   * must be the delegate of an away approver of it (the vote judges them again).
   */
  private async narrowed(pause: Pause, userId: string): Promise<Verdict> {
    const approvers = currentApprovers(pause, this.now()) ?? [];
    if (approvers.length === 0 || (await this.isApprover(pause, approvers, userId))) return ALLOWED;
    if (await this.standsIn(pause, userId)) return ALLOWED;
    return { allowed: false, why: 'not_approver' };
  }

  private async standsIn(pause: Pause, userId: string): Promise<boolean> {
    if (!this.delegations) return false;
    const delegations = await this.delegations();
    if (delegations.length === 0) return false;
    const { ids } = await this.identity.identities(userId);
    // A delegate whose away approver has voted since ("spent") may still act: the vote then tells
    // them it was already cast, not that they are no approver.
    return standIn(pause, ids, delegations, this.now()) !== undefined;
  }

  /** The pauses `userId` may see, with one membership lookup per distinct channel. */
  async visible(pauses: readonly Pause[], userId: string): Promise<{ visible: Pause[]; unchecked: boolean }> {
    const nowMs = this.now();
    const placesOf = new Map(pauses.map((pause) => [pause, audiencesOf(pause, nowMs)] as const));
    const channels = new Set([...placesOf.values()].flat().flatMap((a) => (a.kind === 'channel' ? [a.channel] : [])));
    const byChannel = new Map(
      await Promise.all([...channels].map(async (c) => [c, await this.memberVerdict(c, userId)] as const)),
    );
    const member = async (channel: string): Promise<Verdict> =>
      byChannel.get(channel) ?? { allowed: false, why: 'not_member' };
    const visible: Pause[] = [];
    let unchecked = false;
    for (const [pause, places] of placesOf) {
      const verdict = await this.firstAllowed(pause, userId, places, member);
      if (verdict.allowed) visible.push(pause);
      // Left out because a membership could not be read (that refusal ranks first): the list says some may be missing.
      else unchecked ||= verdict.why === 'unreadable';
    }
    return { visible, unchecked };
  }

  /**
   * The clicker's Slack id is on the list, or is the account Slack holds a listed address under
   * (users.lookupByEmail): the profile e-mail alone never makes an approver. Addresses are looked up
   * only when the id is not listed. A lookup Slack did not answer lets them through to the vote,
   * which refuses it and says why.
   */
  private async isApprover(pause: Pause, approvers: readonly string[], userId: string): Promise<boolean> {
    if (approvers.includes(userId)) return true;
    const nowMs = this.now();
    const identities = [userId];
    const links = await askLinks(this.identity, linkQuestions(pause, identities, nowMs, 'approvers'), identities);
    return approverStanding(pause, identities, links, nowMs).standing !== 'no';
  }

  private async memberVerdict(channel: string, userId: string): Promise<Verdict> {
    try {
      return (await this.membership.members(channel)).has(userId) ? ALLOWED : { allowed: false, why: 'not_member' };
    } catch (error) {
      if (!(error instanceof MembershipUnreadable))
        return { allowed: false, why: 'unreadable', channel, error: 'unknown_error' };
      const { reason, needed } = error;
      return { allowed: false, why: 'unreadable', channel, error: reason, ...(needed ? { needed } : {}) };
    }
  }
}
