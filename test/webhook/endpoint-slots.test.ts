import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EndpointSlots, SLOT_WAIT_MS } from '../../src/webhook/endpoint-slots.js';
import { track } from '../helpers/use-cases.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Lets settled promises run their callbacks, without moving the fake clock. */
const flush = () => vi.advanceTimersByTimeAsync(0);

describe('EndpointSlots', () => {
  it('grants at most `limit` per endpoint at once; other endpoints are not held up', async () => {
    const slots = new EndpointSlots(2);
    expect(await slots.acquire('a')).toBe(true);
    expect(await slots.acquire('a')).toBe(true);
    const third = track(slots.acquire('a'));
    expect(await slots.acquire('b')).toBe(true);
    await flush();
    expect(third.settled).toBe(false);
    slots.release('a');
    expect(await third.promise).toBe(true);
  });

  it('a release hands the slot straight to the oldest waiter', async () => {
    const slots = new EndpointSlots(1);
    await slots.acquire('a');
    const order: string[] = [];
    const waiting = ['first', 'second', 'third'].map((name) => slots.acquire('a').then((ok) => ok && order.push(name)));
    for (let i = 0; i < 3; i++) {
      slots.release('a');
      await flush();
    }
    await Promise.all(waiting);
    expect(order).toEqual(['first', 'second', 'third']);
  });

  it('a waiter gets false after the wait (250 ms by default) and leaves the queue: a later slot goes to the next one', async () => {
    expect(SLOT_WAIT_MS).toBe(250);
    const slots = new EndpointSlots(1);
    await slots.acquire('a');
    const late = track(slots.acquire('a'));
    await vi.advanceTimersByTimeAsync(SLOT_WAIT_MS - 1);
    expect(late.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await late.promise).toBe(false);

    const next = track(slots.acquire('a'));
    slots.release('a');
    expect(await next.promise).toBe(true);
    // Still one holder (next): a further caller waits.
    const after = track(slots.acquire('a'));
    await flush();
    expect(after.settled).toBe(false);
    slots.release('a');
    expect(await after.promise).toBe(true);
    slots.release('a');
    expect(await slots.acquire('a')).toBe(true);
  });

  it('property: under any interleaving of acquires, releases and waits, holders never exceed the limit and are served in order', async () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('acquire' as const), endpoint: fc.constantFrom('a', 'b') }),
      fc.record({ kind: fc.constant('release' as const), endpoint: fc.constantFrom('a', 'b') }),
      fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 1, max: 300 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 3 }), fc.array(op, { maxLength: 40 }), async (limit, ops) => {
        const slots = new EndpointSlots(limit, 100);
        const holders = { a: 0, b: 0 };
        const granted = { a: [] as number[], b: [] as number[] };
        let asked = 0;
        for (const step of ops) {
          if (step.kind === 'acquire') {
            const n = asked++;
            void slots.acquire(step.endpoint).then((ok) => {
              if (!ok) return;
              holders[step.endpoint]++;
              granted[step.endpoint].push(n);
            });
          } else if (step.kind === 'release') {
            // Only a holder releases.
            if (holders[step.endpoint] > 0) {
              holders[step.endpoint]--;
              slots.release(step.endpoint);
            }
          } else {
            await vi.advanceTimersByTimeAsync(step.ms);
          }
          await flush();
          expect(holders.a).toBeLessThanOrEqual(limit);
          expect(holders.b).toBeLessThanOrEqual(limit);
        }
        for (const order of Object.values(granted)) expect(order).toEqual([...order].sort((x, y) => x - y));
        await vi.runAllTimersAsync();
      }),
      { numRuns: 150 },
    );
  });
});
