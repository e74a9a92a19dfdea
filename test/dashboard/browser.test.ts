import { AxeBuilder } from '@axe-core/playwright';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/main.js';
import { launchChromium } from '../helpers/browser.js';
import { FakeSlack } from '../helpers/fake-slack.js';
import { connectMcp, toolJson } from '../helpers/mcp-client.js';
import { startTestService, TEST_API_KEY } from '../helpers/service.js';
import { waitingChecks } from '../helpers/settled.js';
import { SLACK_SIGNING_SECRET } from '../helpers/slack-requests.js';
import { TestSmtp } from '../helpers/smtp.js';

const USER = 'ada@example.com';
const ADMIN = 'boss@example.com';

/** Zero serious or critical axe violations on the page as it stands. */
async function expectAccessible(page: Page): Promise<void> {
  const result = await new AxeBuilder({ page }).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join('; ')})`)).toEqual([]);
}

describe('the dashboard in a real browser', () => {
  let smtp: TestSmtp;
  let slack: FakeSlack;
  let running: RunningService;
  let browser: Browser;
  let mcp: Client;

  beforeAll(async () => {
    smtp = await new TestSmtp().start();
    slack = await new FakeSlack().start();
    running = await startTestService({
      SMTP_URL: smtp.url,
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      LOOPPAUSE_DASHBOARD_USERS: USER,
      LOOPPAUSE_DASHBOARD_ADMINS: ADMIN,
    });
    browser = await launchChromium();
    mcp = await connectMcp(running.url, TEST_API_KEY);
  }, 60_000);
  afterAll(async () => {
    await mcp?.close();
    await browser?.close();
    await running?.close();
    await slack?.close();
    await smtp?.stop();
  });

  const signIn = async (email: string): Promise<Page> => {
    const page = await (await browser.newContext()).newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/status of (4\d\d)/.test(m.text())) problems.push(m.text());
    });
    (page as Page & { problems: string[] }).problems = problems;
    await page.goto(`${running.url}/dashboard`);
    await page.getByRole('heading', { name: 'Sign in to LoopPause' }).waitFor();
    await expectAccessible(page);
    const seen = new Set(smtp.mails);
    await page.getByLabel('Work e-mail').fill(email);
    await page.getByRole('button', { name: 'E-mail me a sign-in link' }).click();
    await page.getByText('If that address may sign in, a link is on its way').waitFor();
    const [mail] = await smtp.waitFor({
      match: (m) => !seen.has(m) && m.subject === 'Your LoopPause sign-in link' && JSON.stringify(m.to).includes(email),
    });
    const link = /http:\/\/\S+\/dashboard\/signin\/[A-Za-z0-9_-]{43}/.exec(mail?.text ?? '')?.[0] ?? '';
    await page.goto(link);
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Waiting for me' }).waitFor();
    (page as Page & { link: string }).link = link;
    return page;
  };

  it('signs in by e-mail link, decides a request; the agent’s long-poll wakes and the Slack message is updated', async () => {
    const created = toolJson(
      await mcp.callTool({
        name: 'request_approval',
        arguments: {
          action_description: 'Rotate the production database password',
          action_details: { db: 'orders-prod', why: '<script>alert(1)</script>' },
          recipient_email: USER,
          recipient_slack: '#ops',
        },
      }),
    );
    const pauseId = String(created.pause_id);
    await slack.waitFor('chat.postMessage');

    const page = await signIn(USER);
    await page.getByRole('link', { name: 'Rotate the production database password' }).waitFor();
    // Agent text is shown as text, never run.
    await page.getByText('<script>alert(1)</script>').waitFor();
    await expectAccessible(page);

    // A check the click did not wake would hold its 50 s, past the client's 30 s timeout: an answer
    // at all shows the decision woke it.
    const waiting = mcp.callTool(
      { name: 'check_approval', arguments: { pause_id: pauseId, wait_seconds: 50 } },
      undefined,
      {
        timeout: 30_000,
      },
    );
    // The check is held (it watches the pause) before the human decides.
    await waitingChecks(running.url, 1);
    const card = page.locator('section.card', { hasText: 'Rotate the production database password' });
    await card.getByLabel('Comment').fill('Rotated on schedule');
    await card.getByRole('button', { name: 'Approve' }).click();
    const view = toolJson(await waiting);
    expect(view).toMatchObject({
      status: 'responded',
      response: { decision: 'approved', channel: 'web', responder: USER, comment: 'Rotated on schedule' },
    });
    await page.getByText('Decided. The agent has been told.').waitFor();
    await slack.waitFor((c) => c.method === 'chat.update' && JSON.stringify(c.body).includes(USER), {
      timeoutMs: 10_000,
    });

    // The pause page: the signed response and the audit timeline; then History and its exports.
    await page.goto(`${running.url}/dashboard/pauses/${pauseId}`);
    await page.getByRole('heading', { name: 'Signed response' }).waitFor();
    await expectAccessible(page);
    await page.goto(`${running.url}/dashboard/history`);
    await page.getByRole('link', { name: 'Rotate the production database password' }).waitFor();
    await expectAccessible(page);
    expect((page as Page & { problems: string[] }).problems).toEqual([]);
    await page.close();
  }, 90_000);

  it('a new request appears on Waiting for me by itself (server-sent events)', async () => {
    const page = await signIn(USER);
    await page.getByRole('heading', { name: 'Waiting for me' }).waitFor();
    expect(await page.getByText('Scale the cluster to zero').count()).toBe(0);
    // Gone if the page were loaded again: what appears below came by the live update, not a reload.
    await page.evaluate(() => Object.assign(globalThis, { sameDocument: true }));
    const res = await fetch(`${running.url}/v1/pauses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        action_description: 'Scale the cluster to zero',
        action_details: {},
        recipient_email: USER,
      }),
    });
    expect(res.status).toBe(201);
    await page.getByRole('link', { name: 'Scale the cluster to zero' }).waitFor();
    expect(await page.evaluate(() => (globalThis as { sameDocument?: boolean }).sameDocument)).toBe(true);
    // The live update parsed the fetched page without tripping this page's CSP (its <style> has another nonce).
    expect((page as Page & { problems: string[] }).problems).toEqual([]);
    const { pause_id: pauseId } = (await res.json()) as { pause_id: string };

    // Admin pages by URL: 403 for an approver.
    const keys = await page.goto(`${running.url}/dashboard/keys`);
    expect(keys?.status()).toBe(403);
    await page.getByText('This page is for LoopPause admins.').waitFor();
    await expectAccessible(page);

    // The link that signed this browser in does not work twice.
    await page.goto((page as Page & { link: string }).link);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Link used or expired' }).waitFor();

    // A form on another site posting to the dashboard, in the signed-in browser: refused, nothing decided.
    await page.route('http://evil.test/', (route) =>
      route.fulfill({
        contentType: 'text/html',
        body: `<form method="post" action="${running.url}/dashboard/pauses/${pauseId}/decide"><input name="decision" value="approved"><button>go</button></form>`,
      }),
    );
    await page.goto('http://evil.test/');
    const [refused] = await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'go' }).click()]);
    expect(refused?.status()).toBe(403);
    expect((await running.service.get(pauseId))?.status).toBe('pending');
    await page.close();
  }, 60_000);

  it('an admin creates a key (shown once) and revokes it; the key stops working; admin pages pass axe', async () => {
    const page = await signIn(ADMIN);
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('heading', { name: 'API keys' }).waitFor();
    await expectAccessible(page);
    await page.getByLabel('Name (the agent id its requests carry)').fill('deploy-bot');
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = (await page.locator('.secret').textContent())?.trim() ?? '';
    expect(key).toMatch(/^lp_/);
    await expectAccessible(page);
    const use = () =>
      fetch(`${running.url}/v1/pauses?limit=1`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.status);
    expect(await use()).toBe(200);
    await page.getByRole('button', { name: 'Revoke deploy-bot' }).click();
    await page.getByText('Revoked deploy-bot').waitFor();
    expect(await use()).toBe(401);

    await page.getByRole('link', { name: 'Policy' }).click();
    await page.getByText('No policy file is in force').waitFor();
    await expectAccessible(page);
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByText('No webhook endpoints yet').waitFor();
    await expectAccessible(page);
    await page.close();
  }, 60_000);
});
