import { describe, expect, it } from 'vitest';
import { type Vote, voterKeys } from '../../../src/domain/approvals/index.js';
import type { Pause } from '../../../src/domain/pause.js';
import type { JobQueue } from '../../../src/store/ports/jobs.js';
import type { PauseEvents } from '../../../src/store/ports/pause-events.js';
import type { PauseStore } from '../../../src/store/ports/pauses.js';
import { pauseAt, responseFor } from '../../helpers/pauses.js';
import { freshStoreForEachTest, type StoreFactory } from './factory.js';
import { createLegacyTimeoutPause } from './raw.js';

const QUORUM_2: NonNullable<Pause['plan']> = { quorum: 2, remind_after_ms: [], escalate: [], on_timeout: 'timed_out' };

function vote(identities: string[], decision: Vote['decision'] = 'approved'): Vote {
  return {
    decision,
    responder: identities.find((id) => id.includes('@')) ?? identities[0] ?? '',
    channel: 'slack',
    responded_at: new Date().toISOString(),
    comment: '',
    fields: {},
    voters: voterKeys(identities),
  };
}

/** Votes (quorum, veto, one vote per human), timeouts that become the policy's decision, and step jobs dropped when a pause ends. */
export function votesConformance<S extends PauseStore & JobQueue & PauseEvents>(factory: StoreFactory<S>): void {
  describe(`votes conformance: ${factory.name}`, () => {
    let store: S;
    const now = Date.now();
    freshStoreForEachTest(factory, (s) => {
      store = s;
    });

    async function drainJobs(): Promise<string[]> {
      const jobs = await store.claimDueJobs(Date.now() + 10, 1000, 100);
      await Promise.all(jobs.map((job) => store.completeJob(job.id)));
      return jobs.map((job) => job.id).sort();
    }

    it('counts a vote, keeps the pause pending, queues one pause.voted job and wakes watchers', async () => {
      const pause = pauseAt(now, { plan: QUORUM_2 });
      await store.createPause({ pause, jobs: [] });
      const watch = store.watch(pause.pause_id);
      const first = vote(['U0SARAH123', 'sarah@acme.com']);
      const result = await store.castVote(pause.pause_id, { vote: first, expectedVotes: 0 }, now);
      expect(result.outcome).toBe('counted');
      if (result.outcome !== 'counted') return;
      expect(result.pause.status).toBe('pending');
      expect(result.pause.votes).toEqual([first]);
      await watch.next(2000);
      watch.close();
      expect(await drainJobs()).toEqual([`voted:${pause.pause_id}:1`]);
      expect((await store.getPause(pause.pause_id))?.votes).toEqual([first]);
    });

    it('treats any shared identity as the same human: a repeat changes nothing', async () => {
      const pause = pauseAt(now, { plan: QUORUM_2 });
      await store.createPause({ pause, jobs: [] });
      await store.castVote(pause.pause_id, { vote: vote(['U0SARAH123', 'sarah@acme.com']), expectedVotes: 0 }, now);
      await drainJobs();
      for (const ids of [['SARAH@acme.com'], ['U0SARAH123'], ['U0OTHER111', 'sarah@acme.com']]) {
        const again = await store.castVote(
          pause.pause_id,
          { vote: vote(ids), expectedVotes: 1, response: responseFor(pause) },
          now,
        );
        expect(again.outcome).toBe('already_voted');
      }
      const stored = await store.getPause(pause.pause_id);
      expect(stored?.status).toBe('pending');
      expect(stored?.votes).toHaveLength(1);
      expect(await drainJobs()).toEqual([]);
    });

    it('answers stale when another vote landed since the caller read, writing nothing', async () => {
      const pause = pauseAt(now, { plan: QUORUM_2 });
      await store.createPause({ pause, jobs: [] });
      await store.castVote(pause.pause_id, { vote: vote(['a@acme.com']), expectedVotes: 0 }, now);
      const late = await store.castVote(
        pause.pause_id,
        { vote: vote(['b@acme.com']), expectedVotes: 0, response: responseFor(pause) },
        now,
      );
      expect(late).toEqual({ outcome: 'stale' });
      expect((await store.getPause(pause.pause_id))?.votes).toHaveLength(1);
    });

    it('ends the pause with the closing vote’s decision, once; later votes see the winner', async () => {
      const pause = pauseAt(now, { plan: QUORUM_2 });
      await store.createPause({ pause, jobs: [] });
      await store.castVote(pause.pause_id, { vote: vote(['a@acme.com']), expectedVotes: 0 }, now);
      const response = responseFor(pause, 'approved', 'b@acme.com');
      const closing = await store.castVote(
        pause.pause_id,
        { vote: vote(['b@acme.com']), expectedVotes: 1, response },
        now,
      );
      expect(closing.outcome).toBe('ended');
      const stored = await store.getPause(pause.pause_id);
      expect(stored).toMatchObject({ status: 'responded', response });
      expect(stored?.votes?.map((v) => v.responder)).toEqual(['a@acme.com', 'b@acme.com']);
      const after = await store.castVote(
        pause.pause_id,
        { vote: vote(['c@acme.com'], 'rejected'), expectedVotes: 2, response: responseFor(pause, 'rejected') },
        now,
      );
      expect(after.outcome).toBe('already_final');
      expect((await store.getPause(pause.pause_id))?.response).toEqual(response);
    });

    it('answers not_found for an unknown pause', async () => {
      const result = await store.castVote(pauseAt(now).pause_id, { vote: vote(['a@acme.com']), expectedVotes: 0 }, now);
      expect(result).toEqual({ outcome: 'not_found' });
    });

    it('at the deadline takes the policy’s timeout decision the previous version signed instead of timing out, on every path', async () => {
      // As the previous version stored it: signed at creation.
      const swept = pauseAt(now, {}, 1000);
      swept.timeout_response = responseFor(swept, 'rejected', 'policy:payments');
      const voted = pauseAt(now, {}, 1000);
      voted.timeout_response = responseFor(voted, 'approved', 'policy:payments');
      const plain = pauseAt(now, {}, 1000);
      await createLegacyTimeoutPause(store, swept, swept.timeout_response);
      await createLegacyTimeoutPause(store, voted, voted.timeout_response);
      await store.createPause({ pause: plain, jobs: [] });

      const ended = await store.sweepExpired(now + 1000, 10);
      expect(ended.sort((a, b) => a.pause_id.localeCompare(b.pause_id))).toEqual(
        [
          { pause_id: swept.pause_id, outcome: 'rejected' },
          { pause_id: voted.pause_id, outcome: 'approved' },
          { pause_id: plain.pause_id, outcome: 'timed_out' },
        ].sort((a, b) => a.pause_id.localeCompare(b.pause_id)),
      );
      expect(await store.getPause(swept.pause_id)).toMatchObject({
        status: 'responded',
        response: swept.timeout_response,
        ended_at: swept.expires_at,
      });
      expect((await store.getPause(plain.pause_id))?.status).toBe('timed_out');
      const late = await store.castVote(voted.pause_id, { vote: vote(['a@acme.com']), expectedVotes: 0 }, now + 1000);
      expect(late.outcome).toBe('already_final');
      expect(await store.getPause(voted.pause_id)).toMatchObject({
        status: 'responded',
        response: voted.timeout_response,
      });
    });

    it('a vote arriving after the deadline, before any sweep, ends the pause with the pre-signed timeout decision', async () => {
      const pause = pauseAt(now, {}, 1000);
      pause.timeout_response = responseFor(pause, 'rejected', 'policy:payments');
      await createLegacyTimeoutPause(store, pause, pause.timeout_response);
      const late = await store.castVote(
        pause.pause_id,
        { vote: vote(['a@acme.com']), expectedVotes: 0, response: responseFor(pause) },
        now + 1000,
      );
      expect(late.outcome).toBe('already_final');
      expect(await store.getPause(pause.pause_id)).toMatchObject({
        status: 'responded',
        response: pause.timeout_response,
      });
    });

    it('drops a pause’s pending reminder and escalation jobs when it ends, and keeps its other jobs', async () => {
      const pause = pauseAt(now, { plan: QUORUM_2 });
      const later = now + 60_000;
      await store.createPause({
        pause,
        jobs: [
          { id: `slack.post:${pause.pause_id}`, kind: 'slack.post', data: { pause_id: pause.pause_id }, run_at: later },
          {
            id: `slack.remind:0:${pause.pause_id}`,
            kind: 'slack.remind',
            data: { pause_id: pause.pause_id, step: 0 },
            run_at: later,
          },
          {
            id: `email.escalate:0:${pause.pause_id}`,
            kind: 'email.escalate',
            data: { pause_id: pause.pause_id, step: 0 },
            run_at: later,
          },
        ],
      });
      await store.cancel(pause.pause_id, undefined, now);
      const left = await store.claimDueJobs(later, 1000, 10);
      expect(left.map((job) => job.id).sort()).toEqual(
        [`ended:${pause.pause_id}`, `slack.post:${pause.pause_id}`].sort(),
      );
    });

    it('hands a step job back with its step number', async () => {
      const pause = pauseAt(now);
      await store.createPause({
        pause,
        jobs: [
          {
            id: `slack.remind:1:${pause.pause_id}`,
            kind: 'slack.remind',
            data: { pause_id: pause.pause_id, step: 1 },
            run_at: now,
          },
        ],
      });
      const [job] = await store.claimDueJobs(now, 1000, 10);
      expect(job).toMatchObject({ kind: 'slack.remind', data: { pause_id: pause.pause_id, step: 1 } });
    });

    it('stores the plan with the pause', async () => {
      const plan: NonNullable<Pause['plan']> = {
        quorum: 2,
        excluded_owner: 'sarah@acme.com',
        remind_after_ms: [1800_000],
        escalate: [{ after_ms: 3600_000, route: { slack: '#cfo-office' }, approvers: ['U0CFO45678'] }],
        on_timeout: 'rejected',
      };
      const pause = pauseAt(now, { plan });
      await store.createPause({ pause, jobs: [] });
      expect((await store.getPause(pause.pause_id))?.plan).toEqual(plan);
    });
  });
}
