import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.js';

const K1 = '0123456789abcdef0123';
const K2 = 'fedcba9876543210fedc';
const K3 = 'a1b2c3d4e5f6a7b8c9d0';
const K4 = 'zyxwvutsrqponmlkjihg';

const apiKeys = (value: string) => {
  const result = parseConfig({ LOOPPAUSE_API_KEYS: value });
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result.config.apiKeys;
};
const errors = (value: string) => {
  const result = parseConfig({ LOOPPAUSE_API_KEYS: value });
  return result.ok ? [] : result.errors;
};

describe('LOOPPAUSE_API_KEYS: owners and admin keys', () => {
  it('parses name:key, name:key:owner, name:key:owner:admin and name:key::admin', () => {
    expect(apiKeys(`plain:${K1}, mail:${K2}:sarah@acme.com ,boss:${K3}:U0SARAH123:admin,ops:${K4}::admin`)).toEqual([
      { name: 'plain', key: K1, admin: false },
      { name: 'mail', key: K2, owner: 'sarah@acme.com', admin: false },
      { name: 'boss', key: K3, owner: 'U0SARAH123', admin: true },
      { name: 'ops', key: K4, admin: true },
    ]);
    expect(apiKeys(`w:${K1}:W0ENTERPRISE1`)).toEqual([{ name: 'w', key: K1, owner: 'W0ENTERPRISE1', admin: false }]);
  });

  it('refuses an owner that is neither an e-mail address nor a Slack user id, naming the entry', () => {
    for (const owner of ['sarah', '#finance', 'C0CHANNEL12', 'u0lower1234', 'a@', `${'x'.repeat(250)}@acme.com`]) {
      expect(errors(`ok:${K1},bad:${K2}:${owner}`), owner).toEqual([
        'LOOPPAUSE_API_KEYS: entry 2 (bad): the owner must be an e-mail address or a Slack user id (U…/W…)',
      ]);
    }
  });

  it('refuses a wrong admin marker, extra parts and a dangling colon, naming the entry', () => {
    expect(errors(`a:${K1},b:${K2},c:${K3}:sarah@acme.com:root`)).toEqual([
      'LOOPPAUSE_API_KEYS: entry 3 (c): the part after the owner may only be "admin"',
    ]);
    expect(errors(`c:${K3}::Admin`)).toEqual([
      'LOOPPAUSE_API_KEYS: entry 1 (c): the part after the owner may only be "admin"',
    ]);
    expect(errors(`c:${K3}:sarah@acme.com:admin:more`)[0]).toMatch(
      /^LOOPPAUSE_API_KEYS: entry 1 \(c\) has too many ":"/,
    );
    expect(errors(`c:${K3}:`)[0]).toMatch(/^LOOPPAUSE_API_KEYS: entry 1 \(c\) ends in ":"/);
    expect(errors(`c:${K3}::`)[0]).toMatch(
      /^LOOPPAUSE_API_KEYS: entry 1 \(c\): the part after the owner may only be "admin"/,
    );
  });

  it('reports every bad entry in one run and never echoes a key or a key-like owner part', () => {
    const secretTail = 'SECRET-TAIL-9999';
    const all = errors(
      `short:tiny,${'nocolon'},colonkey:${K1}:${secretTail},extra:${K2}:a@b.io:admin:${secretTail},ok:${K3},ok:${K4}`,
    );
    expect(all.map((e) => e.slice(0, 'LOOPPAUSE_API_KEYS: entry 1'.length))).toEqual([
      'LOOPPAUSE_API_KEYS: entry 1',
      'LOOPPAUSE_API_KEYS: entry 2',
      'LOOPPAUSE_API_KEYS: entry 3',
      'LOOPPAUSE_API_KEYS: entry 4',
      'LOOPPAUSE_API_KEYS: entry 6',
    ]);
    const text = all.join('\n');
    for (const secret of ['tiny', 'nocolon', K1, K2, K4, secretTail]) expect(text).not.toContain(secret);
  });

  it('a key shorter than 16 characters because of a colon in it is refused, not split', () => {
    expect(errors(`ci:${'k'.repeat(10)}:${'k'.repeat(10)}`)).toEqual([
      'LOOPPAUSE_API_KEYS: entry 1 must be name:key, name:key:owner or name:key:owner:admin ' +
        '(name of letters, digits, . _ -; key of 16+ characters, no ":")',
    ]);
  });
});
