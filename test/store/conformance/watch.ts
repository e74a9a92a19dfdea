import { describe, expect, it } from 'vitest';
import type { PauseEvents } from '../../../src/store/ports/pause-events.js';
import type { PauseStore } from '../../../src/store/ports/pauses.js';
import { pauseAt, responseFor } from '../../helpers/pauses.js';
import { freshStoreForEachTest, type StoreFactory } from './factory.js';

/** PauseEvents: a watch wakes when its pause leaves pending. */
export function pauseEventsConformance<S extends PauseEvents & PauseStore>(factory: StoreFactory<S>): void {
  describe(`PauseEvents conformance: ${factory.name}`, () => {
    let store: S;
    const now = Date.now();
    freshStoreForEachTest(factory, (s) => {
      store = s;
    });

    it('wakes watchers when a pause ends', async () => {
      const pause = pauseAt(now);
      await store.createPause({ pause, jobs: [] });
      const watch = store.watch(pause.pause_id);
      const woke = watch.next(5000).then(() => 'woke');
      await store.decide(pause.pause_id, responseFor(pause), now + 10);
      await store.decide(pause.pause_id, responseFor(pause), now + 11);
      expect(await Promise.race([woke, new Promise((r) => setTimeout(() => r('slept'), 3000))])).toBe('woke');
      watch.close();
    });

    it('tells every any-change listener which pause changed, until it unsubscribes', async () => {
      const a = pauseAt(now);
      const b = pauseAt(now);
      await store.createPause({ pause: a, jobs: [] });
      await store.createPause({ pause: b, jobs: [] });
      const seen: string[] = [];
      const unsubscribe = store.onAnyChange((event) => seen.push(`${event.pause_id} ${event.status}`));
      await store.cancel(a.pause_id, undefined, now + 5);
      const deadline = Date.now() + 3000;
      while (seen.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(seen).toEqual([`${a.pause_id} expired`]);
      unsubscribe();
      await store.cancel(b.pause_id, undefined, now + 6);
      await new Promise((r) => setTimeout(r, 100));
      expect(seen).toHaveLength(1);
    });
  });
}
