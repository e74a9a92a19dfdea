import { AsyncLocalStorage } from 'node:async_hooks';

/** The request a piece of work belongs to, so every log line it writes carries `req_id`. */
const storage = new AsyncLocalStorage<{ requestId: string }>();

export function runWithRequestId<T>(requestId: string, fn: () => T): T {
  return storage.run({ requestId }, fn);
}

export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}
