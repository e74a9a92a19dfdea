import { describe, expect, it } from 'vitest';
import { newPauseId } from '../../../src/domain/ids.js';
import type { JobQueue } from '../../../src/store/ports/jobs.js';
import type { PauseStore } from '../../../src/store/ports/pauses.js';
import { eventually } from '../../helpers/eventually.js';
import { pauseAt } from '../../helpers/pauses.js';
import { freshStoreForEachTest, type StoreFactory } from './factory.js';

/** JobQueue: leases, exactly-once claims, and wake-ups. Creates pauses, whose jobs and deadlines it schedules. */
export function jobQueueConformance<S extends JobQueue & PauseStore>(factory: StoreFactory<S>): void {
  describe(`JobQueue conformance: ${factory.name}`, () => {
    let store: S;
    const now = Date.now();
    freshStoreForEachTest(factory, (s) => {
      store = s;
    });

    it('tells a job runner when work is next due, and wakes it when any replica schedules some', async () => {
      expect(await store.nextWakeAt()).toBeNull();
      const woken: number[] = [];
      const off = store.onWake((atMs) => woken.push(atMs));
      const pause = pauseAt(now, {}, 60_000);
      const job = (id: string, runAt: number) => ({
        id,
        kind: 'email.send' as const,
        data: { pause_id: pause.pause_id },
        run_at: runAt,
      });
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

    it('leases jobs: a claimed job is hidden until its lease ends, then retried with a count', async () => {
      const pause = pauseAt(now);
      const job = {
        id: `slack.post:${pause.pause_id}`,
        kind: 'slack.post' as const,
        data: { pause_id: pause.pause_id },
        run_at: now,
      };
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
        await store.enqueueJob({ id, kind: 'email.send', data: { pause_id: newPauseId() }, run_at: now });
      }
      const claims = await Promise.all(Array.from({ length: 8 }, () => store.claimDueJobs(now, 60_000, 5)));
      const claimed = claims.flat().map((t) => t.id);
      expect(claimed.sort()).toEqual(ids.sort());
    });
  });
}
