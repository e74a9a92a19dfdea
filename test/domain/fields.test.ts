import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { missingRequired, pickAnswers } from '../../src/domain/fields.js';

const PROTOTYPE_NAMES = ['constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];

describe('response field answers', () => {
  it('treats prototype-named fields as unanswered until answered', () => {
    const asked = PROTOTYPE_NAMES.map((name) => ({ name, label: name, required: true }));
    expect(missingRequired(asked, {})).toEqual(PROTOTYPE_NAMES);
    expect(pickAnswers(asked, {})).toEqual({});
    const answers = pickAnswers(asked, { constructor: ' PO-7 ', toString: 'x' });
    expect({ ...answers }).toEqual({ constructor: 'PO-7', toString: 'x' });
    expect(missingRequired(asked, answers)).toEqual(['hasOwnProperty', 'valueOf', 'isPrototypeOf']);
  });

  it('keeps only asked, non-blank answers, trimmed and cut to 2000 characters', () => {
    const asked = [
      { name: 'po', label: 'PO', required: true },
      { name: 'note', label: 'Note' },
    ];
    const answers = pickAnswers(asked, { po: `  ${'9'.repeat(2500)}  `, note: '   ', extra: 'dropped' });
    expect(Object.keys(answers)).toEqual(['po']);
    expect(answers.po).toHaveLength(2000);
  });

  it('never reports an answered field as missing, whatever the names', () => {
    const name = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,20}$/);
    fc.assert(
      fc.property(fc.uniqueArray(name, { maxLength: 10 }), fc.string({ minLength: 1 }), (names, value) => {
        const asked = names.map((n) => ({ name: n, label: n, required: true }));
        const given = Object.fromEntries(names.map((n) => [n, `${value}x`]));
        expect(missingRequired(asked, pickAnswers(asked, given))).toEqual([]);
      }),
    );
  });
});
