import { afterEach, beforeEach } from 'vitest';

/** How a conformance suite gets a fresh store for each test, and lets go of it after. */
export interface StoreFactory<S> {
  /** The adapter's name, in the suite titles. */
  name: string;
  create(): Promise<S>;
  /** Drops what the test wrote, if it outlives the store, and closes the store. */
  dispose(store: S): Promise<void>;
}

/** Gives each test of the calling suite a fresh store, through `use`, and disposes of it after the test. */
export function freshStoreForEachTest<S>(factory: StoreFactory<S>, use: (store: S) => void): void {
  let current: S | undefined;
  beforeEach(async () => {
    current = await factory.create();
    use(current);
  });
  afterEach(async () => {
    if (current !== undefined) await factory.dispose(current);
  });
}
