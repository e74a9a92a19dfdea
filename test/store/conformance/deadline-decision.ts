import { describe, expect, it } from 'vitest';
import { voterKeys } from '../../../src/domain/approvals/index.js';
import { parseEntry } from '../../../src/domain/audit/chain.js';
import type { Pause } from '../../../src/domain/pause.js';
import { verifyDecision } from '../../../src/domain/signing.js';
import type { Decision } from '../../../src/domain/vocabulary.js';
import type { AuditLog } from '../../../src/store/ports/audit.js';
import type { JobQueue } from '../../../src/store/ports/jobs.js';
import type { PauseStore } from '../../../src/store/ports/pauses.js';
import { policyDecision } from '../../../src/use-cases/decide.js';
import { pauseAt, responseFor } from '../../helpers/pauses.js';
import { freshStoreForEachTest, type StoreFactory } from './factory.js';
import { createLegacyTimeoutPause, rawState } from './raw.js';

const SECRET = 'deadline-conformance-secret-0123456789abcdef';
const signing = { signingSecret: SECRET };

/**
 * The policy's decision at the deadline (on_timeout: approved | rejected): stored unsigned, left
 * pending by the sweep, ended once by `endAtDeadline` with the decision signed then; the pre-signed
 * form earlier versions stored still ends the pause in the sweep.
 */
export function deadlineDecisionConformance<S extends PauseStore & JobQueue & AuditLog>(
  factory: StoreFactory<S>,
): void {
  describe(`decision at the deadline conformance: ${factory.name}`, () => {
    let store: S;
    const now = Date.now();
    freshStoreForEachTest(factory, (s) => {
      store = s;
    });

    async function deciding(decision: Decision = 'approved'): Promise<Pause> {
      const pause = pauseAt(now, { policy_rule: 'payments', timeout_decision: { decision, rule: 'payments' } }, 1000);
      await store.createPause({ pause, jobs: [] });
      return pause;
    }
    const signedAtDeadline = (pause: Pause, decision: Decision = 'approved') =>
      policyDecision(signing, pause, decision, 'payments', Date.parse(pause.expires_at));
    const humanVote = (pause: Pause, decision: Decision = 'rejected') => ({
      vote: {
        decision,
        responder: 'ada@acme.com',
        channel: 'slack' as const,
        responded_at: new Date(now + 999).toISOString(),
        comment: '',
        fields: {},
        voters: voterKeys(['ada@acme.com']),
      },
      expectedVotes: 0,
      response: responseFor(pause, decision, 'ada@acme.com'),
    });

    it('holds no signature and no receipt for the decision before the deadline, only the decision and its rule', async () => {
      const pause = await deciding();
      const raw = await rawState(store, pause.pause_id);
      expect(raw).not.toContain('sha256=');
      expect(raw).not.toContain('receipt');
      expect(raw).not.toContain('signature');
      const stored = await store.getPause(pause.pause_id);
      expect(stored?.timeout_decision).toEqual({ decision: 'approved', rule: 'payments' });
      expect(stored?.timeout_response).toBeUndefined();
      expect(stored?.response).toBeUndefined();
    });

    it('the sweep leaves it pending (and due) for the runner; endAtDeadline ends it once, dated the deadline, with its audit entry', async () => {
      const pause = await deciding('rejected');
      const plain = pauseAt(now, {}, 1000);
      await store.createPause({ pause: plain, jobs: [] });
      const swept = await store.sweepExpired(now + 1000, 10);
      expect(swept.sort((a, b) => a.pause_id.localeCompare(b.pause_id))).toEqual(
        [
          { pause_id: pause.pause_id, outcome: 'due_decision' },
          { pause_id: plain.pause_id, outcome: 'timed_out' },
        ].sort((a, b) => a.pause_id.localeCompare(b.pause_id)),
      );
      expect((await store.getPause(pause.pause_id))?.status).toBe('pending');
      expect(await rawState(store, pause.pause_id)).not.toContain('sha256=');
      // Still due: a later sweep offers it again until it is ended.
      expect(await store.sweepExpired(now + 1001, 10)).toEqual([{ pause_id: pause.pause_id, outcome: 'due_decision' }]);

      const signed = await signedAtDeadline(pause, 'rejected');
      const ended = await store.endAtDeadline(pause.pause_id, signed, now + 1002);
      expect(ended.outcome).toBe('ended');
      const final = await store.getPause(pause.pause_id);
      expect(final).toMatchObject({ status: 'responded', ended_at: pause.expires_at, response: signed });
      expect(final?.response?.responded_at).toBe(pause.expires_at);
      expect(verifyDecision(SECRET, final?.response, { pause_id: pause.pause_id, action: pause.request })).toEqual({
        ok: true,
      });
      expect((await store.endAtDeadline(pause.pause_id, await signedAtDeadline(pause), now + 1003)).outcome).toBe(
        'already_final',
      );
      expect((await store.getPause(pause.pause_id))?.response).toEqual(signed);
      expect(await store.sweepExpired(now + 1004, 10)).toEqual([]);
      const endings = (await store.pauseTimeline(pause.pause_id))
        .map((e) => parseEntry(e.body, e.prev))
        .filter((e) => e.type !== 'pause.created');
      expect(endings).toHaveLength(1);
      expect(endings[0]).toMatchObject({
        type: 'pause.policy_decided',
        actor: 'policy:payments',
        data: { decision: 'rejected', on_timeout: true },
      });
      const jobs = await store.claimDueJobs(now + 2000, 1000, 100);
      expect(jobs.filter((j) => j.data.pause_id === pause.pause_id).map((j) => j.kind)).toEqual(['pause.ended']);
    });

    it('endAtDeadline before the deadline ends nothing', async () => {
      const pause = await deciding();
      const early = await store.endAtDeadline(pause.pause_id, await signedAtDeadline(pause), now + 999);
      expect(early.outcome).toBe('already_final');
      expect((await store.getPause(pause.pause_id))?.status).toBe('pending');
      expect((await store.endAtDeadline('p_nope', await signedAtDeadline(pause), now + 2000)).outcome).toBe(
        'not_found',
      );
    });

    it('after the deadline, before it is signed, refuses a vote, a cancel and a policy ending: too late for them', async () => {
      const pause = await deciding();
      expect((await store.castVote(pause.pause_id, humanVote(pause), now + 1000)).outcome).toBe('already_final');
      expect((await store.cancel(pause.pause_id, 'moot', now + 1000)).outcome).toBe('already_final');
      expect((await store.endByPolicy(pause.pause_id, await signedAtDeadline(pause), now + 1000)).outcome).toBe(
        'already_final',
      );
      const held = await store.getPause(pause.pause_id);
      expect(held?.status).toBe('pending');
      expect(held?.votes).toBeUndefined();
      expect(await rawState(store, pause.pause_id)).not.toContain('sha256=');
      expect((await store.endAtDeadline(pause.pause_id, await signedAtDeadline(pause), now + 1001)).outcome).toBe(
        'ended',
      );
    });

    it('a human vote racing the deadline: exactly one outcome, whichever lands first', async () => {
      for (let round = 0; round < 10; round++) {
        const pause = await deciding();
        const signed = await signedAtDeadline(pause);
        // Either may reach the store first.
        const vote = () => store.castVote(pause.pause_id, humanVote(pause), now + 999);
        const deadline = () => store.endAtDeadline(pause.pause_id, signed, now + 1000);
        const [voted, timedOut] =
          round % 2 === 0
            ? await Promise.all([vote(), deadline()])
            : (await Promise.all([deadline(), vote()])).reverse();
        if (!voted || !timedOut) throw new Error('both calls answer');
        const outcomes = [voted.outcome, timedOut.outcome];
        expect(outcomes.filter((o) => o === 'ended')).toHaveLength(1);
        const final = await store.getPause(pause.pause_id);
        expect(final?.status).toBe('responded');
        const endings = (await store.pauseTimeline(pause.pause_id))
          .map((e) => parseEntry(e.body, e.prev))
          .filter((e) => e.type === 'pause.decided' || e.type === 'pause.policy_decided');
        expect(endings).toHaveLength(1);
        expect(final?.response?.decision).toBe(voted.outcome === 'ended' ? 'rejected' : 'approved');
      }
    });

    it('two replicas ending it at once: one ends it, the other finds it final', async () => {
      const pause = await deciding();
      const [a, b] = [await signedAtDeadline(pause), await signedAtDeadline(pause)];
      const results = await Promise.all([
        store.endAtDeadline(pause.pause_id, a, now + 1000),
        store.endAtDeadline(pause.pause_id, b, now + 1000),
      ]);
      expect(results.map((r) => r.outcome).sort()).toEqual(['already_final', 'ended']);
      const winner = results[0]?.outcome === 'ended' ? a : b;
      expect((await store.getPause(pause.pause_id))?.response).toEqual(winner);
    });

    it('a decision signed at creation by the previous version still ends the pause in the sweep, as before', async () => {
      const pause = pauseAt(now, { policy_rule: 'payments' }, 1000);
      const legacy = await signedAtDeadline(pause, 'rejected');
      await createLegacyTimeoutPause(store, pause, legacy);
      expect(await store.sweepExpired(now + 1000, 10)).toEqual([{ pause_id: pause.pause_id, outcome: 'rejected' }]);
      expect(await store.getPause(pause.pause_id)).toMatchObject({
        status: 'responded',
        response: legacy,
        ended_at: pause.expires_at,
      });
      const last = (await store.pauseTimeline(pause.pause_id)).at(-1);
      expect(last && parseEntry(last.body, last.prev)).toMatchObject({
        type: 'pause.policy_decided',
        data: { decision: 'rejected', on_timeout: true },
      });
    });

    it('a late vote on a pre-signed pause still ends it with that decision, as before', async () => {
      const pause = pauseAt(now, { policy_rule: 'payments' }, 1000);
      const legacy = await signedAtDeadline(pause, 'rejected');
      await createLegacyTimeoutPause(store, pause, legacy);
      expect((await store.castVote(pause.pause_id, humanVote(pause, 'approved'), now + 1000)).outcome).toBe(
        'already_final',
      );
      expect(await store.getPause(pause.pause_id)).toMatchObject({ status: 'responded', response: legacy });
    });
  });
}
