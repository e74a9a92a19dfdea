import { describe, expect, it } from 'vitest';
import type { ApprovalPlan } from '../../../src/domain/approvals/index.js';
import { currentApprovers, escalationsDue, identityCheck, mayDecide } from '../../../src/domain/approvals/index.js';

const CREATED = '2026-01-01T00:00:00.000Z';
const T0 = Date.parse(CREATED);

function subject(approvers?: string[], plan?: Partial<ApprovalPlan>) {
  return {
    created_at: CREATED,
    request: approvers ? { approvers } : {},
    ...(plan
      ? { plan: { quorum: 1, remind_after_ms: [], escalate: [], on_timeout: 'timed_out' as const, ...plan } }
      : {}),
  };
}

describe('who may decide', () => {
  it('lets anyone decide without approvers, and only approvers with them', () => {
    expect(mayDecide(subject(), ['U1'], T0)).toBe(true);
    const guarded = subject(['Ada@Example.com', 'U0123ABCD']);
    expect(mayDecide(guarded, ['ada@example.com'], T0)).toBe(true);
    expect(mayDecide(guarded, [undefined, 'U0123ABCD'], T0)).toBe(true);
    expect(mayDecide(guarded, ['u0123abcd', 'eve@example.com'], T0)).toBe(false);
  });

  it('widens the approvers by each escalation step once its time has come, on every replica alike', () => {
    const plan = {
      escalate: [
        { after_ms: 60_000, approvers: ['cfo@acme.com'] },
        { after_ms: 120_000, approvers: ['U0CEO00001', 'ada@acme.com'] },
      ],
    };
    const pause = subject(['ada@acme.com'], plan);
    expect(escalationsDue(pause, T0 + 59_999)).toBe(0);
    expect(mayDecide(pause, ['cfo@acme.com'], T0 + 59_999)).toBe(false);
    expect(mayDecide(pause, ['CFO@acme.com'], T0 + 60_000)).toBe(true);
    expect(mayDecide(pause, ['U0CEO00001'], T0 + 60_000)).toBe(false);
    expect(currentApprovers(pause, T0 + 120_000)).toEqual(['ada@acme.com', 'cfo@acme.com', 'U0CEO00001']);
  });

  it('keeps "anyone the request reaches" when the request names no approvers', () => {
    expect(currentApprovers(subject(undefined, { escalate: [{ after_ms: 0, approvers: ['x@y.co'] }] }), T0)).toBe(
      undefined,
    );
  });
});

describe('maker-checker before Slack is asked (identityCheck)', () => {
  const owned = subject(undefined, { excluded_owner: 'Sarah@Acme.com' });

  it('is certain only that one of the identities is the owner; anyone else is for judgeVote to link', () => {
    expect(identityCheck(owned, ['U0SARAH123', 'sarah@acme.com'])).toBe('owner');
    expect(identityCheck(owned, ['SARAH@ACME.COM'])).toBe('owner');
    expect(identityCheck(subject(undefined, { excluded_owner: 'U0SARAH123' }), ['U0SARAH123'])).toBe('owner');
    expect(identityCheck(owned, ['U0BOB12345', 'bob@acme.com'])).toBe('ok');
    // Maybe Sarah from Slack, maybe not: only Slack's links can say (test/domain/approvals/identities.test.ts).
    expect(identityCheck(owned, ['U0SARAH123'])).toBe('ok');
    expect(identityCheck(subject(), ['sarah@acme.com'])).toBe('ok');
  });
});
