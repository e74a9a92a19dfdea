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
  });
}
