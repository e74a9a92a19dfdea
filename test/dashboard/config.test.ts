import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';

describe('LOOPPAUSE_DASHBOARD_USERS and LOOPPAUSE_DASHBOARD_ADMINS', () => {
  it('are comma-separated e-mail addresses, lower-cased; unset is nobody', () => {
    const result = parseConfig({
      LOOPPAUSE_DASHBOARD_USERS: ' Ada@Example.com, bob@example.org ,',
      LOOPPAUSE_DASHBOARD_ADMINS: 'Boss@Example.com',
    });
    expect(result.ok && result.config.dashboard).toEqual({
      users: ['ada@example.com', 'bob@example.org'],
      admins: ['boss@example.com'],
    });
    const none = parseConfig({});
    expect(none.ok && none.config.dashboard).toEqual({ users: [], admins: [] });
  });

  it('a value that is not a list of addresses stops start-up, naming the variable', () => {
    const result = parseConfig({
      LOOPPAUSE_DASHBOARD_USERS: 'ada@example.com,U0ADA0001',
      LOOPPAUSE_DASHBOARD_ADMINS: 'root',
    });
    expect(result.ok).toBe(false);
    const errors = result.ok ? [] : result.errors;
    expect(errors.some((e) => e.startsWith('LOOPPAUSE_DASHBOARD_USERS:'))).toBe(true);
    expect(errors.some((e) => e.startsWith('LOOPPAUSE_DASHBOARD_ADMINS:'))).toBe(true);
  });
});
