import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';

const GOOD = {
  LOOPPAUSE_OIDC_ISSUER: 'https://login.example.com/tenant',
  LOOPPAUSE_OIDC_CLIENT_ID: 'looppause-dashboard',
  LOOPPAUSE_OIDC_CLIENT_SECRET: 's3cret-value-from-the-idp',
};

const errorsOf = (env: Record<string, string>): string[] => {
  const result = parseConfig(env);
  return result.ok ? [] : result.errors;
};

describe('OIDC sign-in configuration', () => {
  it('is off without the variables, on with the three of them, with the usual scopes by default', () => {
    const off = parseConfig({});
    expect(off.ok && off.config.oidc).toBe(undefined);
    const on = parseConfig(GOOD);
    if (!on.ok) throw new Error(on.errors.join());
    expect(on.config.oidc).toEqual({
      issuer: GOOD.LOOPPAUSE_OIDC_ISSUER,
      clientId: GOOD.LOOPPAUSE_OIDC_CLIENT_ID,
      clientSecret: GOOD.LOOPPAUSE_OIDC_CLIENT_SECRET,
      scopes: ['openid', 'email', 'profile'],
      name: 'single sign-on',
      only: false,
    });
    const named = parseConfig({
      ...GOOD,
      LOOPPAUSE_OIDC_SCOPES: 'openid email',
      LOOPPAUSE_OIDC_NAME: 'Okta',
      LOOPPAUSE_OIDC_ONLY: 'true',
    });
    expect(named.ok && named.config.oidc).toMatchObject({ scopes: ['openid', 'email'], name: 'Okta', only: true });
  });

  it('stops start-up naming each missing or bad variable, never echoing the secret', () => {
    for (const missing of Object.keys(GOOD)) {
      const env: Record<string, string> = { ...GOOD };
      delete env[missing];
      expect(errorsOf(env).join('\n')).toMatch(new RegExp(`^${missing}: is required`, 'm'));
    }
    expect(errorsOf({ ...GOOD, LOOPPAUSE_OIDC_ISSUER: 'http://login.example.com' })[0]).toMatch(
      /^LOOPPAUSE_OIDC_ISSUER: must be the identity provider's https:\/\/ issuer URL/,
    );
    expect(errorsOf({ ...GOOD, LOOPPAUSE_OIDC_ISSUER: 'https://login.example.com/?tenant=1' })[0]).toMatch(
      /^LOOPPAUSE_OIDC_ISSUER:/,
    );
    expect(errorsOf({ ...GOOD, LOOPPAUSE_OIDC_ISSUER: 'not a url' })[0]).toMatch(/^LOOPPAUSE_OIDC_ISSUER:/);
    expect(errorsOf({ ...GOOD, LOOPPAUSE_OIDC_SCOPES: 'profile email' })[0]).toMatch(
      /^LOOPPAUSE_OIDC_SCOPES: must include openid and email/,
    );
    expect(errorsOf({ ...GOOD, LOOPPAUSE_OIDC_ONLY: 'yes' })[0]).toMatch(/^LOOPPAUSE_OIDC_ONLY: must be true or false/);
    expect(errorsOf({ LOOPPAUSE_OIDC_ONLY: 'true' })[0]).toMatch(/^LOOPPAUSE_OIDC_ONLY: needs LOOPPAUSE_OIDC_ISSUER/);
    expect(errorsOf({ LOOPPAUSE_OIDC_NAME: 'Okta' })[0]).toMatch(/^LOOPPAUSE_OIDC_NAME: needs LOOPPAUSE_OIDC_ISSUER/);
    const secret = 'has a space in it';
    const bad = errorsOf({ ...GOOD, LOOPPAUSE_OIDC_CLIENT_SECRET: secret });
    expect(bad[0]).toMatch(/^LOOPPAUSE_OIDC_CLIENT_SECRET:/);
    expect(bad.join('\n')).not.toContain(secret);
  });

  it('any issuer text either configures an https issuer or is refused by name (fast-check)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.webUrl(), fc.string()), (issuer) => {
        const result = parseConfig({ ...GOOD, LOOPPAUSE_OIDC_ISSUER: issuer });
        if (result.ok) {
          const given = result.config.oidc?.issuer ?? issuer.trim();
          if (issuer.trim() === '') return;
          expect(new URL(given).protocol).toBe('https:');
        } else {
          expect(result.errors.every((e) => e.startsWith('LOOPPAUSE_OIDC_'))).toBe(true);
        }
      }),
    );
  });

  it('every OIDC variable is in the README’s configuration table', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const source = readFileSync(new URL('../../src/config.ts', import.meta.url), 'utf8');
    const names = [...new Set(source.match(/LOOPPAUSE_OIDC_[A-Z_]+[A-Z]/g))];
    expect(names.sort()).toEqual(
      [...Object.keys(GOOD), 'LOOPPAUSE_OIDC_NAME', 'LOOPPAUSE_OIDC_ONLY', 'LOOPPAUSE_OIDC_SCOPES'].sort(),
    );
    for (const name of names) expect(readme).toContain(`| \`${name}\` |`);
  });
});
