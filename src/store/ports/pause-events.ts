import type { PauseState } from '../../domain/vocabulary.js';

/** A pause created, voted on (still pending) or ended, as every replica hears of it. */
export interface PauseEvent {
  pause_id: string;
  status: PauseState;
}

export interface Watch {
  /** Resolves when the pause changes, or after `timeoutMs`, or when aborted. */
  next(timeoutMs: number): Promise<void>;
  close(): void;
}

/** Waiting for a pause to change, on whichever replica it changes. */
export interface PauseEvents {
  /** Call before reading the pause, so no change can slip between the read and the wait. */
  watch(pauseId: string): Watch;
  /** Every pause event on any replica (a pause created, a vote counted, a pause ended), as it arrives; returns the unsubscribe. */
  onAnyChange(listener: (event: PauseEvent) => void): () => void;
}
