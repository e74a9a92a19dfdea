import { describe, expect, it } from 'vitest';
import { newPauseId } from '../../../src/domain/ids.js';
import type { Pause } from '../../../src/domain/pause.js';
import type { JobQueue } from '../../../src/store/ports/jobs.js';
import type { PauseStore } from '../../../src/store/ports/pauses.js';
import { pauseAt, responseFor } from '../../helpers/pauses.js';
import { freshStoreForEachTest, type StoreFactory } from './factory.js';

/** PauseStore: idempotent creation, one outcome per pause, timeouts, listing. Claims jobs to see what a transition queued. */
export function pauseStoreConformance<S extends PauseStore & JobQueue>(factory: StoreFactory<S>): void {
  describe(`PauseStore conformance: ${factory.name}`, () => {
    let store: S;
    const now = Date.now();
    freshStoreForEachTest(factory, (s) => {
      store = s;
    });

    it('creates and reads a pause, keeping arrays and empty objects intact', async () => {
      const pause = pauseAt(now, {
        request: { ...pauseAt(now).request, action_details: {}, approvers: ['U0123ABCD'] },
      });
      const result = await store.createPause({ pause, jobs: [] });
      expect(result.outcome).toBe('created');
      expect(await store.getPause(pause.pause_id)).toEqual(pause);
      expect(await store.getPause(newPauseId())).toBeNull();
    });

    it('confirms that its replicas hold an ending, for many readers at once, and the ending is there', async () => {
      const pause = pauseAt(now);
      await store.createPause({ pause, jobs: [] });
      await store.endByPolicy(pause.pause_id, responseFor(pause), now);
      const confirmations = await Promise.allSettled(Array.from({ length: 20 }, () => store.confirmReplicated()));
      expect(confirmations.map((c) => c.status)).toEqual(Array(20).fill('fulfilled'));
      expect((await store.getPause(pause.pause_id))?.status).toBe('responded');
    });

    it('returns the first pause for a repeated idempotency key and the same request, per agent', async () => {
      const first = pauseAt(now);
      const second = pauseAt(now);
      const otherAgent = pauseAt(now, { agent_id: 'agent-b' });
      const k1 = { key: 'k1', requestDigest: 'digest-a' };
      expect((await store.createPause({ pause: first, idempotency: k1, jobs: [] })).outcome).toBe('created');
      const again = await store.createPause({
        pause: second,
        idempotency: k1,
        jobs: [
          { id: `slack.post:${second.pause_id}`, kind: 'slack.post', data: { pause_id: second.pause_id }, run_at: now },
        ],
      });
      expect(again).toEqual({ outcome: 'existing', pause: first });
      expect(await store.getPause(second.pause_id)).toBeNull();
      expect(await store.claimDueJobs(now, 1000, 10)).toEqual([]);
      expect((await store.createPause({ pause: otherAgent, idempotency: k1, jobs: [] })).outcome).toBe('created');
    });

    it('refuses a repeated idempotency key for a different request, storing nothing', async () => {
      const first = pauseAt(now);
      const other = pauseAt(now);
      await store.createPause({ pause: first, idempotency: { key: 'k1', requestDigest: 'digest-a' }, jobs: [] });
      await store.endByPolicy(first.pause_id, responseFor(first), now);
      await store.claimDueJobs(now, 1000, 10).then((jobs) => Promise.all(jobs.map((t) => store.completeJob(t.id))));
      const result = await store.createPause({
        pause: other,
        idempotency: { key: 'k1', requestDigest: 'digest-b' },
        jobs: [
          { id: `slack.post:${other.pause_id}`, kind: 'slack.post', data: { pause_id: other.pause_id }, run_at: now },
        ],
      });
      expect(result).toEqual({ outcome: 'conflict', pauseId: first.pause_id });
      expect(await store.getPause(other.pause_id)).toBeNull();
      expect(await store.claimDueJobs(now, 1000, 10)).toEqual([]);
      // The key still answers for the first request.
      const same = await store.createPause({
        pause: other,
        idempotency: { key: 'k1', requestDigest: 'digest-a' },
        jobs: [],
      });
      expect(same.outcome).toBe('existing');
    });

    it('lets exactly one of many concurrent decisions win', async () => {
      const pause = pauseAt(now);
      await store.createPause({ pause, jobs: [] });
      const attempts = Array.from({ length: 25 }, (_, i) =>
        responseFor(pause, i % 2 ? 'approved' : 'rejected', `user${i}@example.com`),
      );
      const results = await Promise.all(attempts.map((r) => store.endByPolicy(pause.pause_id, r, now + 1)));
      const winners = results.filter((r) => r.outcome === 'ended');
      expect(winners).toHaveLength(1);
      const winner = winners[0];
      if (winner?.outcome !== 'ended') throw new Error('no winner');
      for (const r of results) {
        if (r.outcome === 'not_found') throw new Error('lost the pause');
        expect(r.pause.response).toEqual(winner.pause.response);
        expect(r.pause.status).toBe('responded');
      }
      expect(await store.getPause(pause.pause_id)).toMatchObject({
        status: 'responded',
        response: winner.pause.response,
      });
    });

    it('cancels a pending pause once, and changes nothing after an outcome', async () => {
      const pause = pauseAt(now);
      await store.createPause({ pause, jobs: [] });
      const cancelled = await store.cancel(pause.pause_id, 'not needed', now + 5);
      expect(cancelled).toMatchObject({
        outcome: 'ended',
        pause: { status: 'cancelled', cancel_reason: 'not needed' },
      });
      expect(await store.cancel(pause.pause_id, 'again', now + 6)).toMatchObject({
        outcome: 'already_final',
        pause: { cancel_reason: 'not needed' },
      });
      expect(await store.endByPolicy(pause.pause_id, responseFor(pause), now + 7)).toMatchObject({
        outcome: 'already_final',
        pause: { status: 'cancelled' },
      });
      expect(await store.cancel(newPauseId(), undefined, now)).toEqual({ outcome: 'not_found' });
    });

    it('times out at the deadline: the sweeper and a late decision agree', async () => {
      const soon = pauseAt(now, {}, 1000);
      const later = pauseAt(now, {}, 60_000);
      await store.createPause({ pause: soon, jobs: [] });
      await store.createPause({ pause: later, jobs: [] });
      expect(await store.sweepExpired(now + 999, 100)).toEqual([]);
      expect(await store.sweepExpired(now + 1000, 100)).toEqual([{ pause_id: soon.pause_id, outcome: 'timed_out' }]);
      expect(await store.sweepExpired(now + 1001, 100)).toEqual([]);
      expect(await store.getPause(soon.pause_id)).toMatchObject({ status: 'timed_out', ended_at: soon.expires_at });
      const late = await store.endByPolicy(later.pause_id, responseFor(later), now + 60_000);
      expect(late).toMatchObject({ outcome: 'already_final', pause: { status: 'timed_out' } });
    });

    it('queues one pause.ended job per outcome', async () => {
      const pause = pauseAt(now);
      await store.createPause({ pause, jobs: [] });
      await store.endByPolicy(pause.pause_id, responseFor(pause), now + 10);
      await store.endByPolicy(pause.pause_id, responseFor(pause), now + 11);
      const jobs = await store.claimDueJobs(now + 20, 1000, 10);
      expect(jobs.map((t) => [t.kind, t.data])).toEqual([['pause.ended', { pause_id: pause.pause_id }]]);
    });

    it('lists by agent and status, newest first, with a cursor', async () => {
      const made: Pause[] = [];
      for (let i = 0; i < 7; i++) {
        const pause = pauseAt(now + i * 10);
        made.push(pause);
        await store.createPause({ pause, jobs: [] });
      }
      await store.createPause({ pause: pauseAt(now, { agent_id: 'agent-b' }), jobs: [] });
      const decided = made[3];
      if (!decided) throw new Error('setup');
      await store.endByPolicy(decided.pause_id, responseFor(decided), now + 100);

      const seen: string[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < 10; i++) {
        const page = await store.listPauses({
          agentId: 'agent-a',
          status: 'pending',
          limit: 2,
          ...(cursor ? { cursor } : {}),
        });
        seen.push(...page.items.map((p) => p.pause_id));
        if (!page.next_cursor) break;
        cursor = page.next_cursor;
      }
      const expected = made
        .filter((p) => p !== decided)
        .reverse()
        .map((p) => p.pause_id);
      expect(seen).toEqual(expected);

      const all = await store.listPauses({ agentId: 'agent-a', limit: 100 });
      expect(all.items).toHaveLength(7);
      expect(all.next_cursor).toBeNull();
      const responded = await store.listPauses({ agentId: 'agent-a', status: 'responded', limit: 100 });
      expect(responded.items.map((p) => p.pause_id)).toEqual([decided.pause_id]);
      const slack = await store.listPauses({ slackOnly: true, status: 'pending', limit: 100 });
      expect(slack.items).toHaveLength(7);
    });

    it('records delivery state beside the pause', async () => {
      const pause = pauseAt(now);
      await store.createPause({ pause, jobs: [] });
      await store.setDelivery(pause.pause_id, 'slack', { state: 'posted', channel: 'C1', ts: '1.2', at: 'now' });
      await store.setDelivery(pause.pause_id, 'email', {
        state: 'retrying',
        attempts: 2,
        error: 'ECONNREFUSED',
        at: 'now',
      });
      expect((await store.getPause(pause.pause_id))?.delivery).toEqual({
        slack: { state: 'posted', channel: 'C1', ts: '1.2', at: 'now' },
        email: { state: 'retrying', attempts: 2, error: 'ECONNREFUSED', at: 'now' },
      });
      await store.setDelivery(newPauseId(), 'slack', { state: 'failed', at: 'now' });
    });
  });
}
