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
import { signDecision, verifyDecision } from '../../../src/domain/signing.js';

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
    expect(Object.keys(approvals[0] ?? {})).toEqual(['channel', 'comment', 'fields', 'responded_at', 'responder']);
    expect(approvals[0]?.fields).toEqual({});
  });

  it('gives each approval its own answers, keys sorted', () => {
    const votes = [
      vote('approved', ['a@x.co'], { fields: { po: '1', note: 'a' } }),
      vote('approved', ['b@x.co'], { fields: { po: '2' } }),
    ];
    const approvals = approvalsOf(votes);
    expect(approvals.map((a) => a.fields)).toEqual([{ note: 'a', po: '1' }, { po: '2' }]);
    expect(Object.keys(approvals[0]?.fields ?? {})).toEqual(['note', 'po']);
  });

  it('signs the deciding vote’s answers, earlier approvers’ answers filling the gaps', () => {
    const votes = [
      vote('approved', ['a@x.co'], { fields: { po: '1', note: 'a' } }),
      vote('approved', ['b@x.co'], { fields: { po: '2' } }),
    ];
    expect(mergedFields(votes)).toEqual({ po: '2', note: 'a' });
  });

  it("property: the signed approvals list each approving vote's own answers, in order, and verify", () => {
    const answers = fc.dictionary(fc.constantFrom('ticket', 'po', 'note', 'Zeta', 'a b', '0'), fc.string(), {
      maxKeys: 4,
    });
    const ballot = fc.record({ approves: fc.boolean(), fields: answers, comment: fc.string({ maxLength: 5 }) });
    fc.assert(
      fc.property(fc.array(ballot, { minLength: 1, maxLength: 8 }), (ballots) => {
        const votes = ballots.map((b, i) =>
          vote(b.approves ? 'approved' : 'rejected', [`h${i}@x.co`], { fields: b.fields, comment: b.comment }),
        );
        const signed = signDecision('secret', {
          decision: outcomeOf(votes, votes.length) ?? 'approved',
          comment: '',
          fields: mergedFields(votes),
          responder: 'x',
          responded_at: '2026-01-01T00:00:00.000Z',
          channel: 'email',
          nonce: 'n',
          pause_id: 'pse_x',
          action_digest: 'd',
          approvals: approvalsOf(votes),
        });
        const approving = votes.filter((v) => v.decision === 'approved');
        expect(signed.approvals?.map((a) => a.responder)).toEqual(approving.map((v) => v.responder));
        expect(signed.approvals?.map((a) => a.fields)).toEqual(approving.map((v) => v.fields));
        for (const a of signed.approvals ?? []) expect(Object.keys(a.fields)).toEqual(Object.keys(a.fields).sort());
        // Through the wire (JSON) and back, the decision still verifies.
        expect(verifyDecision('secret', JSON.parse(JSON.stringify(signed)))).toEqual({ ok: true });
      }),
      { numRuns: 300 },
    );
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
