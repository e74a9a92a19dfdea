import { describe, expect, it } from 'vitest';
import { DashboardAccess } from '../../../../src/dashboard/access.js';
import { SignInLinks } from '../../../../src/dashboard/links.js';
import { secretHash } from '../../../../src/dashboard/security.js';
import type { IdentityResolver } from '../../../../src/slack/identity.js';
import { loginReply } from '../../../../src/slack/listeners/commands/login.js';
import { MemorySessionStore } from '../../../../src/store/memory-sessions.js';

const emails: Record<string, string> = { U0ADA0001: 'Ada@Example.com', U0EVE0001: 'eve@example.com' };
const identity = { email: async (id: string) => emails[id] } as unknown as IdentityResolver;

describe('/looppause login', () => {
  const sessions = new MemorySessionStore();
  const access = new DashboardAccess({ dashboard: { users: ['ada@example.com'], admins: [] } });
  const links = new SignInLinks(sessions, access, { publicUrl: 'https://lp.example.com' }, Date.now);

  it('shows an allowed user, privately, a one-time link for their e-mail and Slack id', async () => {
    const reply = await loginReply({ identity, dashboardLinks: links }, 'U0ADA0001');
    expect(reply.response_type).toBe('ephemeral');
    const token = /https:\/\/lp\.example\.com\/dashboard\/signin\/([A-Za-z0-9_-]{43})/.exec(reply.text)?.[1] ?? '';
    expect(await sessions.takeSignInToken(secretHash(token), Date.now())).toEqual({
      email: 'ada@example.com',
      slack: 'U0ADA0001',
    });
  });

  it('gives no link to someone not allowed, or whose e-mail Slack does not give', async () => {
    expect((await loginReply({ identity, dashboardLinks: links }, 'U0EVE0001')).text).toMatch(/not among the people/);
    expect((await loginReply({ identity, dashboardLinks: links }, 'U0NOMAIL1')).text).toMatch(/users:read\.email/);
    expect((await loginReply({ identity }, 'U0ADA0001')).text).toMatch(/not available/);
  });
});
