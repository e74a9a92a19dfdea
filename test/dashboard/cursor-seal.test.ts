import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CursorSeal } from '../../src/dashboard/cursor-seal.js';
import { dashboardKey } from '../../src/dashboard/security.js';

const seal = new CursorSeal(dashboardKey('test-signing-secret-0123456789abcdef-xyz'));

describe('CursorSeal', () => {
  it('opens what it sealed, for the same use only; the sealed text shows nothing of it', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 120 }), (cursor) => {
        const sealed = seal.seal('history', cursor);
        expect(sealed).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(seal.open('history', sealed)).toBe(cursor);
        expect(seal.open('waiting', sealed)).toBeUndefined();
      }),
    );
    const position = fc.tuple(fc.nat(), fc.stringMatching(/^pse_[a-z2-7]{26}$/));
    fc.assert(
      fc.property(position, ([ms, id]) => {
        const cursor = Buffer.from(`${ms}:${id}`).toString('base64url');
        const sealed = seal.seal('history', cursor);
        const bytes = Buffer.from(sealed, 'base64url').toString('latin1');
        for (const part of [cursor, id, 'pse_', String(ms).padStart(6, '0').slice(-6)])
          expect(sealed).not.toContain(part);
        expect(bytes).not.toContain(id);
      }),
    );
  });

  it('opens nothing else: any text, a changed byte, another key’s seal', () => {
    const other = new CursorSeal(dashboardKey('another-secret-0123456789abcdef-xyz-123'));
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.nat(), (text, at) => {
        expect(seal.open('history', text)).toBeUndefined();
        const sealed = Buffer.from(seal.seal('history', `1796218865319:pse_${text}`), 'base64url');
        const i = at % sealed.length;
        sealed.writeUInt8((sealed[i] ?? 0) ^ 1, i);
        expect(seal.open('history', sealed.toString('base64url'))).toBeUndefined();
        expect(other.open('history', seal.seal('history', text || 'x'))).toBeUndefined();
      }),
    );
    expect(seal.open('history', randomBytes(60).toString('base64url'))).toBeUndefined();
  });
});
