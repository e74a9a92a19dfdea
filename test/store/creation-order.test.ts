import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CreationOrder } from '../../src/store/creation-order.js';
import { isAfter } from '../../src/store/cursor.js';

describe('CreationOrder (the memory store’s list order)', () => {
  it('walks newest first from any cursor exactly as sorting everything would, through adds and deletes', () => {
    const entry = fc.record({ score: fc.integer({ min: 0, max: 20 }), id: fc.stringMatching(/^[a-e]{1,3}$/) });
    fc.assert(
      fc.property(
        fc.uniqueArray(entry, { selector: (e) => `${e.score}:${e.id}`, maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.option(entry, { nil: undefined }),
        (entries, deletions, cursor) => {
          const order = new CreationOrder();
          for (const e of entries) order.add(e.score, e.id);
          const kept = [...entries];
          for (const d of deletions) {
            const [gone] = kept.splice(d % Math.max(1, kept.length), 1);
            if (gone) order.delete(gone.score, gone.id);
          }
          const expected = kept
            .filter((e) => isAfter(e.score, e.id, cursor))
            .sort((a, b) => b.score - a.score || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
          expect([...order.newestFirst(cursor)]).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});
