import type { Metrics } from '../metrics.js';
import type { Store } from '../store/store.js';

/** What every use case reads: the store, the clock, and optional metrics. */
export interface UseCaseDeps {
  store: Store;
  now: () => number;
  metrics?: Metrics | undefined;
}
