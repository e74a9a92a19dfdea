export type StoreKind = 'memory' | 'redis';

/** What readiness probes ask of the store. */
export interface StoreHealth {
  readonly kind: StoreKind;
  ping(): Promise<void>;
}

export interface StoreLifecycle extends StoreHealth {
  /** Wakes every watch (long-polls answer with the current status), then lets go of connections. */
  close(): Promise<void>;
}
