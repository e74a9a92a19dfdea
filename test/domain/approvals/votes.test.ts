import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  approvalsOf,
  hasVoted,
  mergedFields,
  outcomeOf,
  type Vote,
  voterKeys,
} from '../../../src/domain/approvals/index.js';

function vote(decision: Vote['decision'], voters: string[], extra: Partial<Vote> = {}): Vote {
  return {
    decision,
    responder: voters[0] ?? 'x',
    channel: 'slack',
    responded_at: '2026-01-01T00:00:00.000Z',
    comment: '',
    fields: {},
    voters: voterKeys(voters),
    ...extra,
  };
}

describe('votes', () => {
  it('knows a human by any identity: a Slack id and its e-mail are one voter', () => {
    expect(voterKeys(['U0SARAH123', 'Sarah@Acme.com', undefined, ''])).toEqual(['U0SARAH123', 'sarah@acme.com']);
    const votes = [vote('approved', ['U0SARAH123', 'sarah@acme.com'])];
    expect(hasVoted(votes, voterKeys(['SARAH@acme.com']))).toBe(true);
    expect(hasVoted(votes, voterKeys(['U0SARAH123']))).toBe(true);
    expect(hasVoted(votes, voterKeys(['bob@acme.com']))).toBe(false);
  });

  it('closes on the quorum-th approval, and on any rejection (veto)', () => {
    const a = vote('approved', ['a@x.co']);
    const b = vote('approved', ['b@x.co']);
    expect(outcomeOf([a], 2)).toBeUndefined();
    expect(outcomeOf([a, b], 2)).toBe('approved');
    expect(outcomeOf([a, vote('rejected', ['c@x.co'])], 2)).toBe('rejected');
    expect(outcomeOf([vote('rejected', ['c@x.co'])], 1)).toBe('rejected');
  });

  it('lists approvals in vote order with the signed entry shape, rejections left out', () => {
    const votes = [
      vote('approved', ['a@x.co'], { comment: 'ok' }),
      vote('rejected', ['b@x.co']),
      vote('approved', ['c@x.co']),
    ];
    const approvals = approvalsOf(votes);
    expect(approvals.map((a) => a.responder)).toEqual(['a@x.co', 'c@x.co']);
    expect(Object.keys(approvals[0] ?? {})).toEqual(['channel', 'comment', 'responded_at', 'responder']);
  });

  it('signs the deciding vote’s answers, earlier approvers’ answers filling the gaps', () => {
    const votes = [
      vote('approved', ['a@x.co'], { fields: { po: '1', note: 'a' } }),
      vote('approved', ['b@x.co'], { fields: { po: '2' } }),
    ];
    expect(mergedFields(votes)).toEqual({ po: '2', note: 'a' });
  });

  it('property: the outcome is approved exactly when the quorum of approvals came before any rejection', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { maxLength: 12 }), fc.integer({ min: 1, max: 6 }), (approves, quorum) => {
        const votes = approves.map((ok, i) => vote(ok ? 'approved' : 'rejected', [`h${i}@x.co`]));
        const expected = approves.includes(false) ? 'rejected' : approves.length >= quorum ? 'approved' : undefined;
        expect(outcomeOf(votes, quorum)).toBe(expected);
      }),
    );
  });
});
