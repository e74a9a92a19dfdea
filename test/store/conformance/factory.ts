/** How a conformance suite gets a fresh store for each test, and lets go of it after. */
export interface StoreFactory<S> {
  /** The adapter's name, in the suite titles. */
  name: string;
  create(): Promise<S>;
  /** Drops what the test wrote, if it outlives the store, and closes the store. */
  dispose(store: S): Promise<void>;
}
