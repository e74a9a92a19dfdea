import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DueIndex } from '../../src/store/due-index.js';

describe('DueIndex', () => {
  it('pops what is due, soonest first, honouring moves and deletions', () => {
    const index = new DueIndex<string>();
    index.set('a', 30);
    index.set('b', 10);
    index.set('c', 20);
    index.set('a', 5);
    index.delete('c');
    expect(index.peek()).toBe(5);
    expect(index.popDue(15)).toEqual(['a', 'b']);
    expect(index.popDue(100)).toEqual([]);
    expect(index.size).toBe(0);
    expect(index.peek()).toBeUndefined();
  });

  it('agrees with a plain map under any sequence of sets, deletes and pops', () => {
    const op = fc.oneof(
      fc.record({ set: fc.integer({ min: 0, max: 30 }), at: fc.integer({ min: 0, max: 1000 }) }),
      fc.record({ del: fc.integer({ min: 0, max: 30 }) }),
      fc.record({ pop: fc.integer({ min: 0, max: 1000 }), max: fc.integer({ min: 1, max: 10 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const index = new DueIndex<number>();
        const model = new Map<number, number>();
        for (const o of ops) {
          if ('set' in o) {
            index.set(o.set, o.at);
            model.set(o.set, o.at);
          } else if ('del' in o) {
            index.delete(o.del);
            model.delete(o.del);
          } else {
            const popped = index.popDue(o.pop, o.max);
            const times = popped.map((k) => model.get(k) as number);
            for (const t of times) expect(t).toBeLessThanOrEqual(o.pop);
            expect([...times].sort((a, b) => a - b)).toEqual(times);
            const dueLeft = [...model].filter(([k, t]) => t <= o.pop && !popped.includes(k)).map(([, t]) => t);
            if (popped.length < o.max) expect(dueLeft).toEqual([]);
            else for (const t of dueLeft) expect(t).toBeGreaterThanOrEqual(times.at(-1) as number);
            for (const k of popped) model.delete(k);
          }
          expect(index.size).toBe(model.size);
          const soonest = model.size ? Math.min(...model.values()) : undefined;
          expect(index.peek()).toBe(soonest);
        }
      }),
    );
  });
});
