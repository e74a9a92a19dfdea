import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newPauseId } from '../../src/domain/ids.js';
import { verifyDecision } from '../../src/domain/signing.js';
import { decideApproval } from '../../src/use-cases/decide.js';
import { loadPause } from '../../src/use-cases/load-pause.js';
import {
  ACTION,
  decision,
  expectLoopPauseError,
  metricValue,
  newPause,
  T0,
  UNIT_SIGNING_SECRET,
  useCaseWorld,
} from '../helpers/use-cases.js';

describe('decideApproval: who may decide', () => {
  it('matches e-mail approvers case-insensitively and Slack ids exactly', async () => {
    const world = useCaseWorld();
    const approvers = ['Ada@Example.com', 'U0APPROV1'];
    const ask = () => newPause(world, { recipient_email: 'ops@example.com', approvers });

    const byOtherCase = await ask();
    expect(
      (
        await decideApproval(
          world.decideDeps,
          byOtherCase,
          decision('ada@EXAMPLE.COM', { identities: ['ada@EXAMPLE.COM'] }),
        )
      ).outcome,
    ).toBe('decided');

    const bySlackId = await ask();
    const lowerId = await decideApproval(world.decideDeps, bySlackId, decision('u0approv1', { channel: 'slack' }));
    expect(lowerId.outcome).toBe('not_approver');
    const exactId = await decideApproval(world.decideDeps, bySlackId, decision('U0APPROV1', { channel: 'slack' }));
    expect(exactId.outcome).toBe('decided');

    const byStranger = await ask();
    const stranger = await decideApproval(world.decideDeps, byStranger, decision('eve@example.com'));
    expect(stranger.outcome).toBe('not_approver');
    expect((await world.store.getPause(byStranger))?.status).toBe('pending');
  });

  it('any of the human identities may match (Slack id plus the e-mail Slack knows)', async () => {
    const world = useCaseWorld();
    const id = await newPause(world, { recipient_slack: 'C0OPS0001', approvers: ['ada@example.com'] });
    const outcome = await decideApproval(
      world.decideDeps,
      id,
      decision('ada@example.com', { channel: 'slack', identities: ['U0ADA0001', 'Ada@Example.com'] }),
    );
    expect(outcome.outcome).toBe('decided');
  });

  it('accepts an approver e-mail in any letter case, refuses any other address (property)', async () => {
    const local = fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/);
    await fc.assert(
      fc.asyncProperty(fc.mixedCase(local), local, async (variant, other) => {
        const world = useCaseWorld();
        const approver = `${variant.toLowerCase()}@example.com`;
        const id = await newPause(world, { recipient_email: 'ops@example.com', approvers: [approver] });
        const stranger = `${other}x@example.com`;
        if (stranger.toLowerCase() !== approver) {
          expect((await decideApproval(world.decideDeps, id, decision(stranger))).outcome).toBe('not_approver');
        }
        const mixed = `${variant}@EXAMPLE.com`;
        expect((await decideApproval(world.decideDeps, id, decision(mixed))).outcome).toBe('decided');
      }),
      { numRuns: 40 },
    );
  });

  it('without approvers anyone who reaches the request may decide', async () => {
    const world = useCaseWorld();
    const id = await newPause(world);
    expect((await decideApproval(world.decideDeps, id, decision('anyone@elsewhere.org'))).outcome).toBe('decided');
  });

  it('an unknown pause is not_found', async () => {
    const world = useCaseWorld();
    await expectLoopPauseError(decideApproval(world.decideDeps, newPauseId(), decision('a@example.com')), 'not_found');
  });
});

describe('decideApproval: response fields', () => {
  const fields = [
    { name: 'po_number', label: 'PO number', required: true },
    { name: 'note', label: 'Note' },
    { name: 'cost_center', label: 'Cost center', required: true },
  ];

  it('refuses an approval without the required answers, naming them; nothing is decided', async () => {
    const world = useCaseWorld();
    const id = await newPause(world, { recipient_email: 'ops@example.com', response_fields: fields });
    const outcome = await decideApproval(
      world.decideDeps,
      id,
      decision('ada@example.com', { fields: { note: 'hi', cost_center: '   ' } }),
    );
    expect(outcome).toMatchObject({ outcome: 'missing_fields', fields: ['po_number', 'cost_center'] });
    expect((await world.store.getPause(id))?.status).toBe('pending');
  });

  it('takes a rejection without them', async () => {
    const world = useCaseWorld();
    const id = await newPause(world, { recipient_email: 'ops@example.com', response_fields: fields });
    const outcome = await decideApproval(world.decideDeps, id, decision('ada@example.com', { decision: 'rejected' }));
    expect(outcome.outcome).toBe('decided');
    expect(outcome.pause.response).toMatchObject({ decision: 'rejected', fields: {} });
  });

  it('keeps only asked answers, trimmed, in the signed response', async () => {
    const world = useCaseWorld();
    const id = await newPause(world, { recipient_email: 'ops@example.com', response_fields: fields });
    const outcome = await decideApproval(
      world.decideDeps,
      id,
      decision('ada@example.com', { fields: { po_number: ' PO-7 ', cost_center: 'CC1', injected: 'x' } }),
    );
    expect(outcome.outcome).toBe('decided');
    expect(outcome.pause.response?.fields).toEqual({ cost_center: 'CC1', po_number: 'PO-7' });
  });

  it('never takes an Object.prototype member for an answer to a prototype-named field', async () => {
    const world = useCaseWorld();
    const asked = ['constructor', 'toString', 'hasOwnProperty'].map((name) => ({ name, label: name, required: true }));
    const id = await newPause(world, { recipient_email: 'ops@example.com', response_fields: asked });

    const empty = await decideApproval(world.decideDeps, id, decision('ada@example.com', { fields: {} }));
    expect(empty).toMatchObject({ outcome: 'missing_fields', fields: ['constructor', 'toString', 'hasOwnProperty'] });

    // As a JSON body would arrive: an own "__proto__" key is data, not the prototype.
    const given = JSON.parse('{"constructor":"c","toString":"t","hasOwnProperty":"h","__proto__":"p"}');
    const outcome = await decideApproval(world.decideDeps, id, decision('ada@example.com', { fields: given }));
    expect(outcome.outcome).toBe('decided');
    const answers = outcome.pause.response?.fields ?? {};
    expect(Object.keys(answers)).toEqual(['constructor', 'hasOwnProperty', 'toString']);
    expect(Object.hasOwn(answers, '__proto__')).toBe(false);
  });
});

describe('decideApproval: the one decision', () => {
  it('a second decision loses and is told the winner', async () => {
    const world = useCaseWorld();
    const id = await newPause(world);
    const first = await decideApproval(world.decideDeps, id, decision('ada@example.com'));
    world.clock.advance(1000);
    const second = await decideApproval(
      world.decideDeps,
      id,
      decision('bob@example.com', { decision: 'rejected', channel: 'slack' }),
    );
    expect(first.outcome).toBe('decided');
    expect(second.outcome).toBe('already_final');
    expect(second.pause.response).toEqual(first.pause.response);
    expect((await world.store.getPause(id))?.response?.responder).toBe('ada@example.com');
  });

  it('racing deciders: exactly one wins and every caller sees the same signed response (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('approved' as const, 'rejected' as const), { minLength: 2, maxLength: 8 }),
        async (decisions) => {
          const world = useCaseWorld();
          const id = await newPause(world);
          const outcomes = await Promise.all(
            decisions.map((d, i) =>
              decideApproval(world.decideDeps, id, decision(`human${i}@example.com`, { decision: d })),
            ),
          );
          expect(outcomes.filter((o) => o.outcome === 'decided')).toHaveLength(1);
          expect(outcomes.filter((o) => o.outcome === 'already_final')).toHaveLength(decisions.length - 1);
          const stored = (await world.store.getPause(id))?.response;
          for (const o of outcomes) expect(o.pause.response).toEqual(stored);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('signs the decision: verifiable for this pause and this action, with the injected time', async () => {
    const world = useCaseWorld();
    const id = await newPause(world, { recipient_email: 'ops@example.com' });
    world.clock.advance(90_000);
    const outcome = await decideApproval(
      world.decideDeps,
      id,
      decision('ada@example.com', { comment: 'go', channel: 'email' }),
    );
    const response = outcome.pause.response;
    expect(response).toMatchObject({
      decision: 'approved',
      comment: 'go',
      responder: 'ada@example.com',
      channel: 'email',
      pause_id: id,
      responded_at: new Date(T0 + 90_000).toISOString(),
    });
    expect(verifyDecision(UNIT_SIGNING_SECRET, response, { pause_id: id, action: ACTION })).toEqual({ ok: true });
    expect(verifyDecision('another-secret-0123456789abcdef-xyz', response).ok).toBe(false);
    expect(verifyDecision(UNIT_SIGNING_SECRET, response, { pause_id: newPauseId() })).toEqual({
      ok: false,
      reason: 'signed for another pause',
    });
    expect(
      verifyDecision(UNIT_SIGNING_SECRET, response, { action: { ...ACTION, action_description: 'Drop prod' } }),
    ).toEqual({ ok: false, reason: 'signed for another action' });
  });

  it('at the deadline the pause reads timed_out and a decision is too late; a millisecond before, it wins', async () => {
    const world = useCaseWorld();
    const late = await newPause(world, { recipient_email: 'ops@example.com', timeout_hours: 1 });
    const inTime = await newPause(world, { recipient_email: 'ops@example.com', timeout_hours: 1 });
    const deadline = T0 + 3_600_000;

    world.clock.set(deadline - 1);
    expect((await decideApproval(world.decideDeps, inTime, decision('ada@example.com'))).outcome).toBe('decided');

    world.clock.set(deadline);
    expect((await loadPause(world.deps, late))?.status).toBe('timed_out');
    const outcome = await decideApproval(world.decideDeps, late, decision('ada@example.com'));
    expect(outcome.outcome).toBe('already_final');
    expect(outcome.pause.status).toBe('timed_out');
    expect(outcome.pause.response).toBeUndefined();
    // Nothing was written: the store still holds the pause as pending (the sweep times it out).
    expect((await world.store.getPause(late))?.status).toBe('pending');
  });

  it('counts a decision once, by outcome and channel, with the time it took', async () => {
    const world = useCaseWorld();
    const metrics = world.metrics;
    if (!metrics) throw new Error('metrics expected');
    const id = await newPause(world);
    world.clock.advance(42_000);
    await decideApproval(world.decideDeps, id, decision('ada@example.com', { decision: 'rejected', channel: 'slack' }));
    await decideApproval(world.decideDeps, id, decision('bob@example.com', { channel: 'email' }));
    expect(await metricValue(metrics.pausesEnded, { outcome: 'rejected', channel: 'slack' })).toBe(1);
    expect(await metricValue(metrics.pausesEnded)).toBe(1);
    const histogram = await metrics.timeToDecision.get();
    const sum = histogram.values.find((v) => v.metricName === 'looppause_time_to_decision_seconds_sum');
    expect(sum?.value).toBe(42);
  });

  it('decides without metrics too', async () => {
    const world = useCaseWorld({ metrics: false });
    const id = await newPause(world);
    expect((await decideApproval(world.decideDeps, id, decision('ada@example.com'))).outcome).toBe('decided');
  });
});
