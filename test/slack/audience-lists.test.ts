import { describe, expect, it } from 'vitest';
import type { ApprovalPlan } from '../../src/domain/approvals/plan.js';
import type { Pause } from '../../src/domain/pause.js';
import { SlackAudience } from '../../src/slack/audience.js';
import type { IdentityResolver } from '../../src/slack/identity.js';
import { type ChannelMembership, MembershipUnreadable } from '../../src/slack/membership.js';
import { pauseAt } from '../helpers/pauses.js';

/**
 * Lists (`visible`, one membership lookup per channel) and clicks (`verdict`, one pause) must agree:
 * a request is listed exactly when its verdict allows, and a list says some may be missing exactly
 * when a left-out request was refused because a membership could not be read.
 */
describe('SlackAudience: lists agree with verdicts, escalation places included', () => {
  const NOW = Date.parse('2026-03-01T12:00:00Z');
  const members: Record<string, string[]> = { C0OPS: ['U0ALICE001'], C0LEAD: ['U0BOB00001'] };
  const membership: ChannelMembership = {
    members: async (channel) => {
      const list = members[channel];
      if (!list) throw new MembershipUnreadable(channel, 'missing_scope');
      return new Set(list);
    },
  };
  // Approvers below are Slack ids only, so no identity lookup is made.
  const audience = new SlackAudience({} as IdentityResolver, membership, () => NOW);

  const posted = (channel: string) => ({ state: 'posted' as const, channel, ts: '1.0', at: '' });
  const plan = (escalate: ApprovalPlan['escalate']): ApprovalPlan => ({
    quorum: 1,
    remind_after_ms: [],
    escalate,
    on_timeout: 'timed_out',
  });
  const created = NOW - 60_000;
  const pauses: Record<string, Pause> = {
    ops: pauseAt(created, { delivery: { slack: posted('C0OPS') } }),
    opsThenUnreadable: pauseAt(created, {
      delivery: { slack: posted('C0OPS'), slack_escalate_0: posted('C0CFO') },
      plan: plan([{ after_ms: 1_000, route: { slack: '#cfo' }, approvers: [] }]),
    }),
    dmToBob: pauseAt(created, {
      request: { ...pauseAt(created).request, recipient_slack: 'U0BOB00001' },
    }),
    narrowedThenLead: pauseAt(created, {
      request: { ...pauseAt(created).request, approvers: ['U0BOB00001'] },
      delivery: { slack: posted('C0OPS'), slack_escalate_0: posted('C0LEAD') },
      plan: plan([{ after_ms: 1_000, route: { slack: '#lead' }, approvers: ['U0CAROL001'] }]),
    }),
    notYetDue: pauseAt(created, {
      delivery: { slack: posted('C0OPS') },
      plan: plan([{ after_ms: 3_600_000, route: { slack: 'U0CAROL001' }, approvers: [] }]),
    }),
  };

  it.each(['U0ALICE001', 'U0BOB00001', 'U0CAROL001', 'U0NOBODY01'])('for %s', async (user) => {
    const all = Object.values(pauses);
    const verdicts = await Promise.all(all.map((pause) => audience.verdict(pause, user)));
    const listed = await audience.visible(all, user);
    expect(listed.visible).toEqual(all.filter((_, i) => verdicts[i]?.allowed));
    expect(listed.unchecked).toBe(verdicts.some((v) => !v.allowed && v.why === 'unreadable'));
  });

  it('reads as the README says', async () => {
    const names = async (user: string) => {
      const { visible, unchecked } = await audience.visible(Object.values(pauses), user);
      const byId = new Map(Object.entries(pauses).map(([name, pause]) => [pause.pause_id, name]));
      return { visible: visible.map((pause) => byId.get(pause.pause_id)), unchecked };
    };
    // Alice is in #ops: every request first posted there, but not the one narrowed to Bob.
    expect(await names('U0ALICE001')).toEqual({ visible: ['ops', 'opsThenUnreadable', 'notYetDue'], unchecked: false });
    // Bob: his DM, and the narrowed one through the escalation channel he is in (he is an approver).
    expect(await names('U0BOB00001')).toEqual({ visible: ['dmToBob', 'narrowedThenLead'], unchecked: true });
    // Carol is an escalation approver but in no place it reached; her DM step is not due yet.
    expect(await names('U0CAROL001')).toEqual({ visible: [], unchecked: true });
  });
});
