import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newNonce, newPauseId } from '../../src/domain/ids.js';
import type { Pause } from '../../src/domain/pause.js';
import { actionDigest, signDecision } from '../../src/domain/signing.js';
import type { Store } from '../../src/store/store.js';
import { eventually } from '../helpers/eventually.js';

const SECRET = 'conformance-secret-0123456789abcdef-xyz';

export function pauseAt(nowMs: number, overrides: Partial<Pause> = {}, timeoutMs = 3_600_000): Pause {
  const pause: Pause = {
    pause_id: newPauseId(),
    agent_id: 'agent-a',
    status: 'pending',
    created_at: new Date(nowMs).toISOString(),
    expires_at: new Date(nowMs + timeoutMs).toISOString(),
    request: {
      action_description: 'Rotate the prod database password',
      action_details: { db: 'main' },
      recipient_slack: '#ops',
      timeout_hours: timeoutMs / 3_600_000,
      response_fields: [],
    },
    action_digest: '',
    delivery: {},
    ...overrides,
  };
  // As the service does; the Redis store recomputes it from the request on read.
  return { ...pause, action_digest: actionDigest(pause.request) };
}

export function responseFor(
  pause: Pause,
  decision: 'approved' | 'rejected' = 'approved',
  responder = 'ada@example.com',
) {
  return signDecision(SECRET, {
    decision,
    comment: '',
    fields: {},
    responder,
    responded_at: new Date().toISOString(),
    channel: 'slack',
    nonce: newNonce(),
    pause_id: pause.pause_id,
    action_digest: pause.action_digest,
  });
}

/** The Store contract. Every adapter runs this whole suite. */
export function storeConformance(
  name: string,
  makeStore: () => Promise<Store>,
  cleanup?: (store: Store) => Promise<void>,
) {
  describe(`Store conformance: ${name}`, () => {
    let store: Store;
    const now = Date.now();

    beforeEach(async () => {
      store = await makeStore();
    });
    afterEach(async () => {
      await cleanup?.(store);
      await store.close();
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

    it('returns the first pause for a repeated idempotency key and the same request, per agent', async () => {
      const first = pauseAt(now);
      const second = pauseAt(now);
      const otherAgent = pauseAt(now, { agent_id: 'agent-b' });
      const k1 = { key: 'k1', requestDigest: 'digest-a' };
      expect((await store.createPause({ pause: first, idempotency: k1, jobs: [] })).outcome).toBe('created');
      const again = await store.createPause({
        pause: second,
        idempotency: k1,
        jobs: [{ id: `slack.post:${second.pause_id}`, kind: 'slack.post', pause_id: second.pause_id, run_at: now }],
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
      await store.decide(first.pause_id, responseFor(first), now);
      await store.claimDueJobs(now, 1000, 10).then((jobs) => Promise.all(jobs.map((t) => store.completeJob(t.id))));
      const result = await store.createPause({
        pause: other,
        idempotency: { key: 'k1', requestDigest: 'digest-b' },
        jobs: [{ id: `slack.post:${other.pause_id}`, kind: 'slack.post', pause_id: other.pause_id, run_at: now }],
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
      const results = await Promise.all(attempts.map((r) => store.decide(pause.pause_id, r, now + 1)));
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
      expect(cancelled).toMatchObject({ outcome: 'ended', pause: { status: 'expired', cancel_reason: 'not needed' } });
      expect(await store.cancel(pause.pause_id, 'again', now + 6)).toMatchObject({
        outcome: 'already_final',
        pause: { cancel_reason: 'not needed' },
      });
      expect(await store.decide(pause.pause_id, responseFor(pause), now + 7)).toMatchObject({
        outcome: 'already_final',
        pause: { status: 'expired' },
      });
      expect(await store.cancel(newPauseId(), undefined, now)).toEqual({ outcome: 'not_found' });
    });

    it('times out at the deadline: the sweeper and a late decision agree', async () => {
      const soon = pauseAt(now, {}, 1000);
      const later = pauseAt(now, {}, 60_000);
      await store.createPause({ pause: soon, jobs: [] });
      await store.createPause({ pause: later, jobs: [] });
      expect(await store.sweepExpired(now + 999, 100)).toEqual([]);
      expect(await store.sweepExpired(now + 1000, 100)).toEqual([soon.pause_id]);
      expect(await store.sweepExpired(now + 1001, 100)).toEqual([]);
      expect(await store.getPause(soon.pause_id)).toMatchObject({ status: 'timed_out', ended_at: soon.expires_at });
      const late = await store.decide(later.pause_id, responseFor(later), now + 60_000);
      expect(late).toMatchObject({ outcome: 'already_final', pause: { status: 'timed_out' } });
    });

    it('tells a job runner when work is next due, and wakes it when any replica schedules some', async () => {
      expect(await store.nextWakeAt()).toBeNull();
      const woken: number[] = [];
      const off = store.onWake((atMs) => woken.push(atMs));
      const pause = pauseAt(now, {}, 60_000);
      const job = (id: string, runAt: number) => ({ id, kind: 'email.send', pause_id: pause.pause_id, run_at: runAt });
      await store.createPause({ pause, jobs: [job('later', now + 5_000)] });
      expect(await store.nextWakeAt()).toBe(now + 5_000);
      await eventually(() => (woken.includes(now + 5_000) ? true : undefined));
      await store.enqueueJob(job('sooner', now + 1_000));
      expect(await store.nextWakeAt()).toBe(now + 1_000);
      await eventually(() => (woken.includes(now + 1_000) ? true : undefined));
      // Claimed jobs are due again at their lease's end; with none left, the pause's deadline is next.
      await store.claimDueJobs(now + 5_000, 100_000, 10);
      expect(await store.nextWakeAt()).toBe(now + 60_000);
      off();
    });

    it('queues one pause.ended job per outcome and wakes watchers', async () => {
      const pause = pauseAt(now);
      await store.createPause({ pause, jobs: [] });
      const watch = store.watch(pause.pause_id);
      const woke = watch.next(5000).then(() => 'woke');
      await store.decide(pause.pause_id, responseFor(pause), now + 10);
      await store.decide(pause.pause_id, responseFor(pause), now + 11);
      expect(await Promise.race([woke, new Promise((r) => setTimeout(() => r('slept'), 3000))])).toBe('woke');
      watch.close();
      const jobs = await store.claimDueJobs(now + 20, 1000, 10);
      expect(jobs.map((t) => [t.kind, t.pause_id])).toEqual([['pause.ended', pause.pause_id]]);
    });

    it('leases jobs: a claimed job is hidden until its lease ends, then retried with a count', async () => {
      const pause = pauseAt(now);
      const job = { id: `slack.post:${pause.pause_id}`, kind: 'slack.post', pause_id: pause.pause_id, run_at: now };
      await store.createPause({ pause, jobs: [job] });
      expect(await store.enqueueJob(job)).toBe(false);
      expect((await store.claimDueJobs(now, 1000, 10)).map((t) => [t.id, t.attempts])).toEqual([[job.id, 1]]);
      expect(await store.claimDueJobs(now + 999, 1000, 10)).toEqual([]);
      expect((await store.claimDueJobs(now + 1000, 1000, 10)).map((t) => t.attempts)).toEqual([2]);
      await store.rescheduleJob(job.id, now + 5000);
      expect(await store.claimDueJobs(now + 4999, 1000, 10)).toEqual([]);
      expect(await store.claimDueJobs(now + 5000, 1000, 10)).toHaveLength(1);
      await store.completeJob(job.id);
      expect(await store.claimDueJobs(now + 100_000, 1000, 10)).toEqual([]);
      expect(await store.enqueueJob({ ...job, run_at: now })).toBe(true);
    });

    it('hands each due job to exactly one of many concurrent claimers', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) {
        const id = `t${i}`;
        ids.push(id);
        await store.enqueueJob({ id, kind: 'email.send', pause_id: newPauseId(), run_at: now });
      }
      const claims = await Promise.all(Array.from({ length: 8 }, () => store.claimDueJobs(now, 60_000, 5)));
      const claimed = claims.flat().map((t) => t.id);
      expect(claimed.sort()).toEqual(ids.sort());
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
      await store.decide(decided.pause_id, responseFor(decided), now + 100);

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

    it('stores decision tokens until they expire', async () => {
      await store.putDecisionToken('h1', { pause_id: 'pse_x', recipient: 'a@b.co' }, Date.now() + 60_000);
      await store.putDecisionToken('h2', { pause_id: 'pse_y', recipient: 'a@b.co' }, Date.now() + 30);
      expect(await store.getDecisionToken('h1')).toEqual({ pause_id: 'pse_x', recipient: 'a@b.co' });
      await new Promise((r) => setTimeout(r, 80));
      expect(await store.getDecisionToken('h2')).toBeNull();
      expect(await store.getDecisionToken('nope')).toBeNull();
    });

    it('rate-limits per subject in fixed windows', async () => {
      const windowStart = Math.floor(now / 60_000) * 60_000;
      const hits = [];
      for (let i = 0; i < 4; i++) hits.push(await store.hitRateLimit('agent-a', 3, 60_000, windowStart + 10_000));
      expect(hits.map((h) => h.allowed)).toEqual([true, true, true, false]);
      expect(hits[3]?.retryAfterMs).toBe(50_000);
      expect((await store.hitRateLimit('agent-b', 3, 60_000, windowStart + 10_000)).allowed).toBe(true);
      expect((await store.hitRateLimit('agent-a', 3, 60_000, windowStart + 60_000)).allowed).toBe(true);
    });

    it('keeps API keys by hash with unique names', async () => {
      const key = { name: 'ci', hash: 'a'.repeat(64), created_at: new Date(now).toISOString() };
      expect(await store.createApiKey(key)).toBe(true);
      expect(await store.createApiKey({ ...key, hash: 'b'.repeat(64) })).toBe(false);
      expect(await store.findApiKey(key.hash)).toEqual(key);
      expect(await store.findApiKey('b'.repeat(64))).toBeNull();
      expect(await store.listApiKeys()).toEqual([key]);
      expect(await store.revokeApiKey('ci')).toBe(true);
      expect(await store.revokeApiKey('ci')).toBe(false);
      expect(await store.findApiKey(key.hash)).toBeNull();
    });
  });
}
