import type { Metrics } from '../metrics.js';
import type { PauseStore } from '../store/ports/pauses.js';

/**
 * What every use case reads: the pauses (plus any other store port a use case names in `Ports`),
 * the clock, and optional metrics.
 */
export interface UseCaseDeps<Ports = unknown> {
  store: PauseStore & Ports;
  now: () => number;
  metrics?: Metrics | undefined;
}
