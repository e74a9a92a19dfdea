import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/main.js';
import { startTestService } from '../helpers/service.js';
import { TestSmtp } from '../helpers/smtp.js';
import { brokenPercent, oddPathTail, rawRequest, rawSafe, STACK_TRACE } from '../http/hostile-input.js';
import { DashboardClient } from './helpers.js';

const USER = 'ada@example.com';
const ADMIN = 'root@example.com';
const FORM = 'application/x-www-form-urlencoded';

/** Form values as an attacker sends them: odd text, broken escapes, repeated and bracketed keys. */
const oddValue = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  brokenPercent,
  fc.constantFrom('', '%', 'approved ', 'APPROVED', 'rejected\u0000', '[object Object]', '__proto__', 'x'.repeat(3000)),
);
const oddKey = fc.oneof(
  fc.constantFrom(
    'decision',
    'decision[]',
    'comment',
    'csrf',
    'email',
    'email[]',
    'form_key',
    '__proto__',
    'constructor',
    'field_x',
    'back',
  ),
  fc.string({ maxLength: 12 }),
);
/** A raw urlencoded body: pairs of odd keys and values, sometimes not escaped at all. */
const bodyOf = (key: fc.Arbitrary<string>) =>
  fc
    .array(fc.tuple(key, oddValue, fc.boolean()), { maxLength: 8 })
    .map((pairs) =>
      pairs
        .map(([k, v, encoded]) => (encoded ? `${encodeURIComponent(k)}=${encodeURIComponent(v)}` : `${k}=${v}`))
        .join('&'),
    );
const oddBody = bodyOf(oddKey);
/** The admin forms' own fields (keys, policy, webhooks) besides the odd ones. */
const adminBody = bodyOf(
  fc.oneof(
    oddKey,
    fc.constantFrom(
      'name',
      'name[]',
      'owner',
      'admin',
      'agent',
      'action',
      'details',
      'url',
      'events',
      'events[]',
      'id',
    ),
  ),
);

describe('fuzzing the dashboard: forms, paths and query params', () => {
  let smtp: TestSmtp;
  let running: RunningService;
  let client: DashboardClient;
  let admin: DashboardClient;
  let mine: string;
  let guarded: string;

  beforeAll(async () => {
    smtp = await new TestSmtp().start();
    running = await startTestService({
      SMTP_URL: smtp.url,
      LOOPPAUSE_DASHBOARD_USERS: USER,
      LOOPPAUSE_DASHBOARD_ADMINS: ADMIN,
    });
    client = new DashboardClient(running);
    await client.signIn(USER, smtp);
    admin = new DashboardClient(running);
    await admin.signIn(ADMIN, smtp);
    const ask = { action_description: 'Wipe the cache', action_details: {} };
    mine = (await running.service.request('agent-a', { ...ask, recipient_email: USER })).pause_id;
    guarded = (
      await running.service.request('agent-a', { ...ask, recipient_email: USER, approvers: ['boss@example.com'] })
    ).pause_id;
  }, 60_000);
  afterAll(async () => {
    await running?.close();
    await smtp?.stop();
  });

  const cookie = (of: DashboardClient = client) => [...of.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const expectCalm = (res: { status: number; text: string }) => {
    expect(res.status).toBeGreaterThanOrEqual(200);
    expect(res.status).toBeLessThan(500);
    expect(res.text).not.toMatch(STACK_TRACE);
  };
  const stillPending = async () => {
    expect((await running.service.get(mine))?.status).toBe('pending');
    expect((await running.service.get(guarded))?.status).toBe('pending');
  };

  it('the decide form: odd bodies, with or without the real CSRF token and origin, never 5xx and decide nothing', async () => {
    const csrf = await client.csrf();
    await fc.assert(
      fc.asyncProperty(
        oddBody,
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom(mine, guarded),
        fc.constantFrom(FORM, 'text/plain', 'application/json', `${FORM}; charset=latin1`, 'multipart/form-data'),
        async (body, withCsrf, sameOrigin, pauseId, contentType) => {
          // A valid decision is never generated: only bodies that must not decide.
          const sent = `${body}${withCsrf ? `&csrf=${csrf}` : ''}&decision=${encodeURIComponent('maybe')}`;
          const res = await rawRequest(running.url, {
            method: 'POST',
            path: `/dashboard/pauses/${pauseId}/decide`,
            headers: {
              host: new URL(running.url).host,
              cookie: cookie(),
              'content-type': contentType,
              ...(sameOrigin ? { origin: running.url } : {}),
            },
            body: sent,
          });
          expectCalm(res);
          expect(res.status).toBeGreaterThanOrEqual(400);
        },
      ),
      { numRuns: 80 },
    );
    await stillPending();
  }, 120_000);

  it('the sign-in forms: odd bodies and odd link tokens never 5xx; no mail goes to an address not allowed', async () => {
    const mails = smtp.mails.length;
    const anon = new DashboardClient(running);
    const page = await (await anon.get('/dashboard/signin')).text();
    const pre = DashboardClient.field(page, 'csrf');
    await fc.assert(
      fc.asyncProperty(oddBody, fc.boolean(), oddPathTail, async (body, withCsrf, tail) => {
        const headers = {
          host: new URL(running.url).host,
          cookie: [...anon.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
          'content-type': FORM,
          origin: running.url,
        };
        const signin = await rawRequest(running.url, {
          method: 'POST',
          path: '/dashboard/signin',
          headers,
          body: `${body}${withCsrf ? `&csrf=${pre}` : ''}`,
        });
        expectCalm(signin);
        const link = await rawRequest(running.url, {
          method: 'POST',
          path: `/dashboard/signin/${tail}`,
          headers,
          body,
        });
        expectCalm(link);
        expect(link.status).toBeGreaterThanOrEqual(400);
      }),
      { numRuns: 80 },
    );
    expect(smtp.mails.length).toBe(mails);
  }, 120_000);

  it('every admin form and sign-out: odd bodies without the CSRF token or from another origin are refused and change nothing; with both, never 5xx', async () => {
    const adminPosts = [
      '/dashboard/keys',
      '/dashboard/keys/revoke',
      '/dashboard/policy/explain',
      '/dashboard/webhooks',
      '/dashboard/webhooks/remove',
      '/dashboard/webhooks/redrive',
    ];
    const keysBefore = (await running.store.listApiKeys()).map((k) => k.name).sort();
    const csrf = await admin.csrf();
    const post = (path: string, body: string, origin: string | undefined, who: DashboardClient) =>
      rawRequest(running.url, {
        method: 'POST',
        path,
        headers: {
          host: new URL(running.url).host,
          cookie: cookie(who),
          'content-type': FORM,
          ...(origin ? { origin } : {}),
        },
        body,
      });
    // Forged: the real token from elsewhere, or the right origin without the token. Sign-out included.
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...adminPosts, '/dashboard/signout'),
        adminBody,
        fc.constantFrom<'no-csrf' | 'other-origin' | 'no-origin'>('no-csrf', 'other-origin', 'no-origin'),
        async (path, body, forgery) => {
          const sent = forgery === 'no-csrf' ? body : `${body}&csrf=${csrf}`;
          const origin =
            forgery === 'other-origin' ? 'https://evil.example' : forgery === 'no-origin' ? undefined : running.url;
          const res = await post(path, sent, origin, admin);
          expectCalm(res);
          expect(res.status).toBe(403);
        },
      ),
      { numRuns: 60 },
    );
    expect((await running.store.listApiKeys()).map((k) => k.name).sort()).toEqual(keysBefore);
    expect(await (await admin.get('/dashboard/webhooks')).text()).toContain('No webhook endpoints yet');
    expect((await admin.get('/dashboard/waiting')).status).toBe(200);
    // A signed-in non-admin with a valid token and origin: refused on every admin form.
    const userCsrf = await client.csrf();
    for (const path of adminPosts) {
      expect((await post(path, `name=x&url=x&id=x&csrf=${userCsrf}`, running.url, client)).status).toBe(403);
    }
    // The real admin, token and origin: odd bodies answer a page or a 4xx, never a 5xx.
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...adminPosts), adminBody, async (path, body) => {
        expectCalm(await post(path, `${body}&csrf=${csrf}`, running.url, admin));
      }),
      { numRuns: 60 },
    );
    await stillPending();
  }, 120_000);

  it('the Away forms: forged posts set and end nothing; a user’s odd bodies never 5xx and never set or end anyone else’s', async () => {
    const csrf = await client.csrf();
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 16);
    const person = fc.oneof(
      oddValue,
      fc.constantFrom(
        '',
        USER,
        ADMIN,
        'ADA@Example.com',
        ` ${USER} `,
        'boss@example.com',
        '<b>x</b>@example.com',
        'U0123ABCD',
        '@ada',
      ),
    );
    const until = fc.oneof(
      oddValue,
      fc.constantFrom(tomorrow, `${tomorrow}:00`, '2999-01-01T00:00', '2020-01-01T00:00', '7d'),
    );
    const field = (name: string, value: string, encoded: boolean) =>
      encoded ? `${name}=${encodeURIComponent(value)}` : `${name}=${value}`;
    const awayBody = fc
      .tuple(oddBody, person, person, until, fc.boolean(), fc.constantFrom('absent', 'absent[]', 'ABSENT'))
      .map(([odd, absent, delegate, when, encoded, absentKey]) =>
        [
          odd,
          field(absentKey, absent, encoded),
          field('delegate', delegate, encoded),
          field('until', when, encoded),
        ].join('&'),
      );
    const post = (path: string, body: string, origin: string | undefined) =>
      rawRequest(running.url, {
        method: 'POST',
        path,
        headers: {
          host: new URL(running.url).host,
          cookie: cookie(),
          'content-type': FORM,
          ...(origin ? { origin } : {}),
        },
        body,
      });
    // An admin away with a delegate: the user must not end it.
    await running.service.delegate({ absent: ADMIN, delegate: 'boss@example.com', until: `${tomorrow}:00Z` }, ADMIN);
    const others = async () => (await running.service.delegations()).filter((d) => d.absent !== USER);
    const before = await others();
    expect(before.map((d) => d.absent)).toEqual([ADMIN]);

    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/dashboard/away', '/dashboard/away/end'),
        awayBody,
        fc.constantFrom<'no-csrf' | 'other-origin' | 'no-origin'>('no-csrf', 'other-origin', 'no-origin'),
        async (path, body, forgery) => {
          const res = await post(
            path,
            forgery === 'no-csrf' ? body : `${body}&csrf=${csrf}`,
            forgery === 'other-origin' ? 'https://evil.example' : forgery === 'no-origin' ? undefined : running.url,
          );
          expectCalm(res);
          expect(res.status).toBe(403);
        },
      ),
      { numRuns: 40 },
    );
    expect(await running.service.delegations()).toEqual(before);

    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/dashboard/away', '/dashboard/away/end'), awayBody, async (path, body) => {
        const res = await post(path, `${body}&csrf=${csrf}`, running.url);
        expectCalm(res);
        // Whatever was set is the user's own; the admin's delegation is untouched.
        expect(await others()).toEqual(before);
      }),
      { numRuns: 80 },
    );
  }, 120_000);

  it('query params and paths: odd filters, cursors and ids answer 4xx or a page, never 5xx', async () => {
    const paths = ['/dashboard/history', '/dashboard/history.csv', '/dashboard/history.jsonl', '/dashboard/waiting'];
    const param = fc.oneof(
      fc.constantFrom('status', 'channel', 'agent', 'rule', 'from', 'to', 'q', 'cursor', 'done', 'status[]', 'from[x]'),
      fc.string({ maxLength: 8 }),
    );
    const query = fc
      .array(
        fc.tuple(param, fc.oneof(oddValue, brokenPercent, fc.constantFrom('2026-13-45', '9999-99-99', 'pending'))),
        {
          maxLength: 5,
        },
      )
      .map((pairs) =>
        pairs
          .map(([k, v]) => `${encodeURIComponent(k)}=${v.includes('%') ? rawSafe(v) : encodeURIComponent(v)}`)
          .join('&'),
      );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), query, oddPathTail, async (path, q, tail) => {
        const headers = { host: new URL(running.url).host, cookie: cookie() };
        expectCalm(await rawRequest(running.url, { path: `${path}?${q}`, headers }));
        expectCalm(await rawRequest(running.url, { path: `/dashboard/pauses/${tail}`, headers }));
        expectCalm(
          await rawRequest(running.url, {
            path: `/dashboard/${tail}`,
            headers: { ...headers, cookie: `lp_dash=${tail}` },
          }),
        );
      }),
      { numRuns: 60 },
    );
    await stillPending();
  }, 120_000);
});
