import type { PauseEvent, Watch } from './ports/pause-events.js';

/** In-process fan-out of pause events to waiting long-polls; fed by an emitter or Redis pub/sub. */
export class Watchers {
  private readonly byPause = new Map<string, Set<() => void>>();
  private readonly anyListeners = new Set<(event: PauseEvent) => void>();

  notify(event: PauseEvent): void {
    for (const listener of this.anyListeners) {
      try {
        listener(event);
      } catch {
        // A listener's failure is its own; the long-polls below must still wake.
      }
    }
    const set = this.byPause.get(event.pause_id);
    if (!set) return;
    for (const wake of set) wake();
  }

  /** Wakes every waiter, e.g. at shutdown so long-polls answer with the current status. */
  wakeAll(): void {
    for (const set of this.byPause.values()) for (const wake of set) wake();
  }

  /** Every event, whatever the pause (the dashboard's live pages); returns the unsubscribe. */
  onAny(listener: (event: PauseEvent) => void): () => void {
    this.anyListeners.add(listener);
    return () => this.anyListeners.delete(listener);
  }

  watch(pauseId: string): Watch {
    let changed = false;
    let resolveNext: (() => void) | undefined;
    const wake = () => {
      changed = true;
      resolveNext?.();
    };
    let set = this.byPause.get(pauseId);
    if (!set) {
      set = new Set();
      this.byPause.set(pauseId, set);
    }
    set.add(wake);
    const close = () => {
      resolveNext?.();
      const current = this.byPause.get(pauseId);
      current?.delete(wake);
      if (current?.size === 0) this.byPause.delete(pauseId);
    };
    return {
      next: (timeoutMs) =>
        new Promise<void>((resolve) => {
          if (changed) {
            changed = false;
            resolve();
            return;
          }
          const timer = setTimeout(done, timeoutMs);
          function done() {
            clearTimeout(timer);
            resolveNext = undefined;
            changed = false;
            resolve();
          }
          resolveNext = done;
        }),
      close,
    };
  }
}
