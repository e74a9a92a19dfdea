import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PauseEvents } from '../../../src/store/ports/pause-events.js';
import type { PauseStore } from '../../../src/store/ports/pauses.js';
import { pauseAt, responseFor } from '../../helpers/pauses.js';
import type { StoreFactory } from './factory.js';

/** PauseEvents: a watch wakes when its pause leaves pending. */
export function pauseEventsConformance<S extends PauseEvents & PauseStore>(factory: StoreFactory<S>): void {
  describe(`PauseEvents conformance: ${factory.name}`, () => {
    let store: S;
    const now = Date.now();

    beforeEach(async () => {
      store = await factory.create();
    });
    afterEach(async () => {
      await factory.dispose(store);
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
