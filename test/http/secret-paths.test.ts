import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redactSecretPaths, SECRET_PATHS } from '../../src/http/secret-paths.js';

const TOKEN = fc.stringMatching(/^[A-Za-z0-9_-]{43}$/);

/** One spelling of a path as a client may send it: any case, letters %-escaped, slashes doubled or %2F. */
const spellingOf = (path: string) =>
  fc
    .array(fc.tuple(fc.boolean(), fc.boolean(), fc.constantFrom('/', '//', '%2F', '%2f', '/%2F')), {
      minLength: path.length,
      maxLength: path.length,
    })
    .map((choices) =>
      [...path]
        .map((char, i) => {
          const [upper, escaped, slash] = choices[i] as [boolean, boolean, string];
          if (char === '/') return slash;
          const cased = upper ? char.toUpperCase() : char;
          return escaped ? `%${cased.charCodeAt(0).toString(16)}` : cased;
        })
        .join(''),
    );

const around = fc.string({ unit: fc.constantFrom('a', ' ', '"', '\\', '<', '|', '/', 'é', '\n'), maxLength: 12 });

describe('redactSecretPaths', () => {
  it('leaves no token after any spelling of a secret-bearing path, in a path, a URL or a JSON log line', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SECRET_PATHS).chain((path) => fc.tuple(fc.constant(path), spellingOf(path))),
        TOKEN,
        fc.constantFrom('', '/', '/extra', '%E2%80', '?x=1', '/..%2F'),
        around,
        around,
        ([path, spelled], token, tail, before, after) => {
          const sent = `${spelled}/${token}${tail}`;
          const texts = [sent, `http://host:3000${sent}`, `${before}https://h${sent} ${after}`];
          for (const text of texts) expect(redactSecretPaths(text)).not.toContain(token);
          const line = JSON.stringify({ msg: `${before}${sent}${after}`, path: sent });
          const redacted = redactSecretPaths(line);
          expect(redacted).not.toContain(token);
          expect(JSON.parse(redacted).path).toBe(`${path}/:token`);
        },
      ),
    );
  });

  it('changes nothing else: other paths, a secret path with nothing after it', () => {
    for (const text of [
      '/dashboard/signin',
      '/dashboard/signin/',
      '/dashboard/pauses/pse_abcdefghijklmnopqrstuvwxyz/decide',
      '/v1/pauses/pse_abcdefghijklmnopqrstuvwxyz',
      '/dashboard/history?cursor=abc',
      'dashboard decision',
    ]) {
      expect(redactSecretPaths(text)).toBe(text);
    }
    expect(redactSecretPaths('/decide/:token')).toBe('/decide/:token');
  });
});
