import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretHash } from '../../src/dashboard/security.js';
import { newSecretToken } from '../../src/domain/ids.js';
import type { RunningService } from '../../src/main.js';
import { startTestService, TEST_API_KEY } from '../helpers/service.js';
import { TestSmtp } from '../helpers/smtp.js';
import { DashboardClient } from './helpers.js';

const ADMIN = 'boss@example.com';
const USER = 'ada@example.com';

describe('dashboard sign-in, sessions and admin pages over HTTP', () => {
  let smtp: TestSmtp;
  let running: RunningService;

  beforeAll(async () => {
    smtp = await new TestSmtp().start();
    running = await startTestService({
      SMTP_URL: smtp.url,
      LOOPPAUSE_DASHBOARD_USERS: `${USER},cy@example.com`,
      LOOPPAUSE_DASHBOARD_ADMINS: ADMIN,
      LOOPPAUSE_WEBHOOK_ALLOW_PRIVATE: 'true',
    });
  });
  afterAll(async () => {
    await running?.close();
    await smtp?.stop();
  });

  const createPause = async (body: Record<string, unknown>, key = TEST_API_KEY) => {
    const res = await fetch(`${running.url}/v1/pauses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ action_description: 'Drop table users', action_details: { db: 'prod' }, ...body }),
    });
    return { status: res.status, body: (await res.json()) as { pause_id: string } };
  };

  it('an unknown address gets the same page and no mail; a known one gets a link that signs in once', async () => {
    const client = new DashboardClient(running);
    const page = await (await client.get('/dashboard/signin')).text();
    const mailsBefore = smtp.mails.length;
    const unknown = await client.post('/dashboard/signin', {
      csrf: DashboardClient.field(page, 'csrf'),
      email: 'stranger@example.com',
    });
    const unknownText = await unknown.text();
    expect(unknown.status).toBe(200);
    expect(unknownText).toContain('If that address may sign in, a link is on its way');

    const link = await client.requestLink(USER, smtp);
    expect(smtp.mails.length).toBe(mailsBefore + 1);

    // The GET only shows a button: a mail scanner that prefetches the link signs nobody in.
    expect((await client.get(new URL(link).pathname)).status).toBe(200);
    expect(client.cookies.has('lp_dash')).toBe(false);

    const res = await client.useLink(link);
    expect(res.status).toBe(303);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('lp_dash='));
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Path=\/dashboard/);
    expect(cookie).not.toMatch(/Secure/);
    const waiting = await client.get('/dashboard/waiting');
    expect(waiting.status).toBe(200);
    expect(waiting.headers.get('content-security-policy')).toMatch(/default-src 'none'.*frame-ancestors 'none'/);
    expect(await waiting.text()).toContain('Nothing is waiting for you');

    // The same link again, from any browser: refused.
    const again = await new DashboardClient(running).useLink(link);
    expect(again.status).toBe(410);
  });

  it('an expired link is refused; signing out revokes the session', async () => {
    const token = newSecretToken();
    await running.dashboard.sessions.putSignInToken(secretHash(token), { email: USER }, Date.now() - 1000);
    const client = new DashboardClient(running);
    expect((await client.useLink(`${running.url}/dashboard/signin/${token}`)).status).toBe(410);

    await client.signIn(USER, smtp);
    const stolen = new DashboardClient(running);
    stolen.cookies = new Map(client.cookies);
    expect((await stolen.get('/dashboard/waiting')).status).toBe(200);
    const out = await client.post('/dashboard/signout', { csrf: await client.csrf() });
    expect(out.status).toBe(303);
    const after = await stolen.get('/dashboard/waiting');
    expect(after.status).toBe(303);
    expect(after.headers.get('location')).toBe('/dashboard/signin');
  });

  it('refuses POSTs without the CSRF token or from another origin; nothing changes', async () => {
    const client = new DashboardClient(running);
    await client.signIn(USER, smtp);
    const { body } = await createPause({ recipient_email: USER });
    const csrf = await client.csrf();
    const path = `/dashboard/pauses/${body.pause_id}/decide`;
    expect((await client.post(path, { decision: 'approved' })).status).toBe(403);
    expect((await client.post(path, { decision: 'approved', csrf: `${csrf.slice(0, -1)}x` })).status).toBe(403);
    expect((await client.post(path, { decision: 'approved', csrf }, { origin: 'http://localhost:1' })).status).toBe(
      403,
    );
    expect((await client.post(path, { decision: 'approved', csrf }, { origin: 'https://evil.example' })).status).toBe(
      403,
    );
    const noOrigin = await client.send(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ decision: 'approved', csrf }).toString(),
    });
    expect(noOrigin.status).toBe(403);
    expect((await running.service.get(body.pause_id))?.status).toBe('pending');

    const ok = await client.post(path, { decision: 'approved', csrf, comment: 'fine', back: 'waiting' });
    expect(ok.status).toBe(303);
    const decided = await running.service.get(body.pause_id);
    expect(decided?.response).toMatchObject({ decision: 'approved', channel: 'web', responder: USER, comment: 'fine' });
  });

  it('a pause without approvers is decided on the web only by its recipient or an admin', async () => {
    const client = new DashboardClient(running);
    await client.signIn(USER, smtp);
    const { body } = await createPause({ recipient_email: 'someone-else@example.com' });
    expect(await (await client.get('/dashboard/waiting')).text()).not.toContain(body.pause_id);
    expect((await client.get(`/dashboard/pauses/${body.pause_id}`)).status).toBe(404);
    const refused = await client.post(`/dashboard/pauses/${body.pause_id}/decide`, {
      decision: 'approved',
      csrf: await client.csrf(),
    });
    expect(refused.status).toBe(404);
    const admin = new DashboardClient(running);
    await admin.signIn(ADMIN, smtp);
    expect(await (await admin.get('/dashboard/waiting')).text()).toContain(body.pause_id);
  });

  it('a non-admin gets 403 on admin pages, even by URL; an admin creates a key, and a revoked key stops at once', async () => {
    const user = new DashboardClient(running);
    await user.signIn(USER, smtp);
    for (const path of ['/dashboard/keys', '/dashboard/policy', '/dashboard/webhooks'])
      expect((await user.get(path)).status).toBe(403);
    const csrf = await user.csrf();
    expect((await user.post('/dashboard/keys', { csrf, name: 'sneaky' })).status).toBe(403);
    expect((await user.post('/dashboard/keys/revoke', { csrf, name: 'agent-a' })).status).toBe(403);
    expect((await user.post('/dashboard/policy/explain', { csrf, agent: 'a', action: 'b' })).status).toBe(403);
    expect((await user.post('/dashboard/webhooks', { csrf, url: 'http://127.0.0.1:9/x' })).status).toBe(403);

    const admin = new DashboardClient(running);
    await admin.signIn(ADMIN, smtp);
    const adminCsrf = await admin.csrf();
    const created = await admin.post('/dashboard/keys', { csrf: adminCsrf, name: 'ci-bot', owner: USER });
    expect(created.status).toBe(201);
    const key = /class="secret">(lp_[A-Za-z0-9_-]+)</.exec(await created.text())?.[1] ?? '';
    expect(key).toMatch(/^lp_/);
    expect((await createPause({ recipient_email: USER }, key)).status).toBe(201);
    // Listed without the key itself.
    const list = await (await admin.get('/dashboard/keys')).text();
    expect(list).toContain('ci-bot');
    expect(list).not.toContain(key);

    const revoked = await admin.post('/dashboard/keys/revoke', { csrf: adminCsrf, name: 'ci-bot' });
    expect(revoked.status).toBe(200);
    expect((await createPause({ recipient_email: USER }, key)).status).toBe(401);
  });

  it('History exports CSV (formulas defused) and JSON Lines; a non-admin sees only what they could decide', async () => {
    const { body } = await createPause({ action_description: '=2+2', recipient_email: 'nobody@example.com' });
    const admin = new DashboardClient(running);
    await admin.signIn(ADMIN, smtp);
    const csv = await admin.get('/dashboard/history.csv?q=%3D2%2B2');
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const text = await csv.text();
    expect(text.split('\r\n')[0]).toMatch(/^pause_id,created_at,status,decision,agent_id,action_description/);
    expect(text).toContain(`"${body.pause_id}"`);
    expect(text).toContain(`"'=2+2"`);
    const lines = (await (await admin.get('/dashboard/history.jsonl')).text()).trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { pause_id: string }).pause_id)).toContain(body.pause_id);
    expect(await (await admin.get('/dashboard/history')).text()).toContain(body.pause_id);

    // (A sixth link for USER within 15 minutes would not be sent: 5 an address; hence another user.)
    const user = new DashboardClient(running);
    await user.signIn('cy@example.com', smtp);
    expect(await (await user.get('/dashboard/history')).text()).not.toContain(body.pause_id);
    expect(await (await user.get('/dashboard/history.csv')).text()).not.toContain(body.pause_id);
  });

  it('an admin adds a webhook endpoint (secret shown once), sees it listed without the secret, and removes it', async () => {
    const admin = new DashboardClient(running);
    await admin.signIn(ADMIN, smtp);
    const csrf = await admin.csrf();
    const bad = await admin.post('/dashboard/webhooks', { csrf, url: 'not a url', events: 'pause.decided' });
    expect(bad.status).toBe(400);
    const added = await admin.send('/dashboard/webhooks', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: running.url },
      body: `csrf=${csrf}&url=${encodeURIComponent('http://127.0.0.1:9/hook')}&events=pause.decided&events=pause.cancelled`,
    });
    const page = await added.text();
    expect(added.status).toBe(201);
    const secret = /class="secret">(whsec_[^<]+)</.exec(page)?.[1] ?? '';
    expect(secret).toMatch(/^whsec_/);
    const list = await (await admin.get('/dashboard/webhooks')).text();
    expect(list).toContain('http://127.0.0.1:9/hook');
    expect(list).toMatch(
      /data-label="Events"><code class="tag">pause\.decided<\/code> <code class="tag">pause\.cancelled<\/code><\/td>/,
    );
    expect(list).not.toContain(secret);
    const id = /name="id" value="(whe_[a-z0-9]+)"/.exec(list)?.[1] ?? '';
    expect((await admin.post('/dashboard/webhooks/remove', { csrf, id })).status).toBe(200);
    expect(await (await admin.get('/dashboard/webhooks')).text()).toContain('No webhook endpoints yet');
    expect((await admin.post('/dashboard/webhooks/remove', { csrf, id })).status).toBe(404);
  });
});
