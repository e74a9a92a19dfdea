import { describe, expect, it } from 'vitest';
import type { PauseEvents } from '../../../src/store/ports/pause-events.js';
import type { PauseStore } from '../../../src/store/ports/pauses.js';
import { eventually } from '../../helpers/eventually.js';
import { pauseAt, responseFor } from '../../helpers/pauses.js';
import { freshStoreForEachTest, type StoreFactory } from './factory.js';

/** PauseEvents: a watch wakes when its pause leaves pending; any-change listeners hear of every new pause and change. */
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
      await store.endByPolicy(pause.pause_id, responseFor(pause), now + 10);
      await store.endByPolicy(pause.pause_id, responseFor(pause), now + 11);
      expect(await Promise.race([woke, new Promise((r) => setTimeout(() => r('slept'), 3000))])).toBe('woke');
      watch.close();
    });

    it('tells every any-change listener which pause was created or changed, until it unsubscribes', async () => {
      const a = pauseAt(now);
      const b = pauseAt(now);
      const seen: string[] = [];
      const unsubscribe = store.onAnyChange((event) => seen.push(`${event.pause_id} ${event.status}`));
      await store.createPause({ pause: a, jobs: [] });
      await store.createPause({ pause: b, jobs: [] });
      await store.cancel(a.pause_id, undefined, now + 5);
      await eventually(() => (seen.length >= 3 ? true : undefined), 3000);
      expect(seen).toEqual([`${a.pause_id} pending`, `${b.pause_id} pending`, `${a.pause_id} cancelled`]);
      unsubscribe();
      // A second listener hears b's ending: by then the first one would have, had it still listened.
      const later: string[] = [];
      const off = store.onAnyChange((event) => later.push(event.pause_id));
      await store.cancel(b.pause_id, undefined, now + 6);
      await eventually(() => (later.includes(b.pause_id) ? true : undefined), 3000);
      off();
      expect(seen).toHaveLength(3);
    });

    it('an idempotent repeat of a create is no event', async () => {
      const first = pauseAt(now);
      const seen: string[] = [];
      const off = store.onAnyChange((event) => seen.push(`${event.pause_id} ${event.status}`));
      await store.createPause({ pause: first, idempotency: { key: 'k', requestDigest: 'd' }, jobs: [] });
      await store.createPause({ pause: pauseAt(now), idempotency: { key: 'k', requestDigest: 'd' }, jobs: [] });
      await store.cancel(first.pause_id, undefined, now + 5);
      await eventually(() => (seen.length >= 2 ? true : undefined), 3000);
      off();
      expect(seen).toEqual([`${first.pause_id} pending`, `${first.pause_id} cancelled`]);
    });
  });
}
