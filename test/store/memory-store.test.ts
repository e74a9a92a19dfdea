import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/store/memory-store.js';
import { RETENTION_MS } from '../../src/store/ports/pauses.js';
import { pauseAt } from '../helpers/pauses.js';
import { storeConformance } from './conformance/index.js';

storeConformance({ name: 'memory', create: async () => new MemoryStore(), dispose: (store) => store.close() });

describe('memory store retention', () => {
  it('forgets finished pauses after the retention period; their idempotency key then starts a new pause', async () => {
    const store = new MemoryStore();
    const now = Date.now();
    const pause = pauseAt(now);
    await store.createPause({ pause, idempotency: { key: 'k', requestDigest: 'a' }, jobs: [] });
    await store.cancel(pause.pause_id, undefined, now);
    await store.sweepExpired(now + RETENTION_MS - 1, 100);
    expect(await store.getPause(pause.pause_id)).not.toBeNull();
    await store.sweepExpired(now + RETENTION_MS, 100);
    expect(await store.getPause(pause.pause_id)).toBeNull();
    const again = pauseAt(now);
    const retried = await store.createPause({ pause: again, idempotency: { key: 'k', requestDigest: 'b' }, jobs: [] });
    expect(retried).toEqual({ outcome: 'created', pause: again });
  });
});
