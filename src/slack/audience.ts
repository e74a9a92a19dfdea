import { currentApprovers, mayDecide } from '../domain/approvals/index.js';
import type { Pause } from '../domain/pause.js';
import { SLACK_USER_PATTERN } from '../domain/schemas.js';
import type { IdentityResolver } from './identity.js';
import { type ChannelMembership, MembershipUnreadable } from './membership.js';

const CHANNEL_ID_PATTERN = /^[CG][A-Z0-9]+$/;

/** Whose a request is in Slack: where it was sent. `approvers`, when given, narrow it further. */
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
  const target = pause.request.recipient_slack;
  if (!target) return { kind: 'nobody' };
  if (SLACK_USER_PATTERN.test(target)) return { kind: 'recipient', user: target };
  const posted = pause.delivery.slack;
  const channel = posted?.state === 'posted' ? posted.channel : undefined;
  return channel && CHANNEL_ID_PATTERN.test(channel) ? { kind: 'channel', channel } : { kind: 'unposted' };
}

export type Verdict =
  | { allowed: true }
  | { allowed: false; why: 'not_approver' | 'not_member' | 'unposted' }
  | { allowed: false; why: 'unreadable'; channel: string; error: string };

const ALLOWED: Verdict = { allowed: true };

/** Who may see a request in Slack's lists and decide it there: one rule for lists, clicks and submissions. */
export class SlackAudience {
  constructor(
    private readonly identity: IdentityResolver,
    private readonly membership: ChannelMembership,
  ) {}

  /**
   * Where the request was sent decides who may act on it; `approvers` (chosen by the agent) only
   * narrow that audience, never widen it: an approver outside the channel is refused too.
   */
  async verdict(pause: Pause, userId: string): Promise<Verdict> {
    return this.narrowed(pause, userId, await this.placeVerdict(audienceOf(pause), userId));
  }

  private async placeVerdict(audience: Audience, userId: string): Promise<Verdict> {
    switch (audience.kind) {
      case 'recipient':
        return audience.user === userId ? ALLOWED : { allowed: false, why: 'not_approver' };
      case 'channel':
        return this.memberVerdict(audience.channel, userId);
      case 'unposted':
        return { allowed: false, why: 'unposted' };
      case 'nobody':
        return { allowed: false, why: 'not_approver' };
    }
  }

  private async narrowed(pause: Pause, userId: string, place: Verdict): Promise<Verdict> {
    if (!place.allowed) return place;
    const approvers = currentApprovers(pause, Date.now()) ?? [];
    if (approvers.length === 0 || (await this.isApprover(pause, approvers, userId))) return place;
    return { allowed: false, why: 'not_approver' };
  }

  /** The pauses `userId` may see, with one membership lookup per distinct channel. */
  async visible(pauses: readonly Pause[], userId: string): Promise<{ visible: Pause[]; unchecked: boolean }> {
    const channels = new Set(pauses.map(audienceOf).flatMap((a) => (a.kind === 'channel' ? [a.channel] : [])));
    const byChannel = new Map(
      await Promise.all([...channels].map(async (c) => [c, await this.memberVerdict(c, userId)] as const)),
    );
    const visible: Pause[] = [];
    for (const pause of pauses) {
      const audience = audienceOf(pause);
      const place =
        audience.kind === 'channel'
          ? (byChannel.get(audience.channel) ?? { allowed: false, why: 'not_member' })
          : await this.placeVerdict(audience, userId);
      if ((await this.narrowed(pause, userId, place)).allowed) visible.push(pause);
    }
    const unchecked = [...byChannel.values()].some((v) => !v.allowed && v.why === 'unreadable');
    return { visible, unchecked };
  }

  /** E-mails are looked up only when an approver is named by one (users.info costs time before a modal). */
  private async isApprover(pause: Pause, approvers: readonly string[], userId: string): Promise<boolean> {
    const byEmail = approvers.some((a) => a.includes('@')) && !approvers.includes(userId);
    const ids = byEmail ? (await this.identity.identities(userId)).ids : [userId];
    return mayDecide(pause, ids, Date.now());
  }

  private async memberVerdict(channel: string, userId: string): Promise<Verdict> {
    try {
      return (await this.membership.members(channel)).has(userId) ? ALLOWED : { allowed: false, why: 'not_member' };
    } catch (error) {
      const reason = error instanceof MembershipUnreadable ? error.reason : 'unknown_error';
      return { allowed: false, why: 'unreadable', channel, error: reason };
    }
  }
}
