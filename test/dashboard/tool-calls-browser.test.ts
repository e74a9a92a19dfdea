import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/main.js';
import { launchChromium } from '../helpers/browser.js';
import { eventually } from '../helpers/eventually.js';
import { startTestService } from '../helpers/service.js';
import { TestSmtp } from '../helpers/smtp.js';
import { createToolCallPause, expectRememberedFor } from '../helpers/tool-call-pauses.js';

const USER = 'ada@example.com';

/** Zero serious or critical axe violations on the page as it stands. */
async function expectAccessible(page: Page): Promise<void> {
  const result = await new AxeBuilder({ page }).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join('; ')})`)).toEqual([]);
}

/** A page that records script errors and CSP refusals (a 4xx answer is a page, not a problem). */
async function watchedPage(browser: Browser): Promise<{ page: Page; problems: string[] }> {
  const page = await (await browser.newContext()).newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  // Agent text that ran (an alert from <script> or onerror) would open a dialog.
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of (4\d\d)/.test(m.text())) problems.push(m.text());
  });
  return { page, problems };
}

describe('tool calls in a real browser: the dashboard and the e-mail decision page', () => {
  let smtp: TestSmtp;
  let running: RunningService;
  let browser: Browser;

  beforeAll(async () => {
    smtp = await new TestSmtp().start();
    running = await startTestService({ SMTP_URL: smtp.url, LOOPPAUSE_DASHBOARD_USERS: USER });
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await running?.close();
    await smtp?.stop();
  });

  const mailFor = async (pauseId: string) => {
    const [mail] = await smtp.waitFor({ match: (m) => (m.text ?? '').includes(pauseId) });
    if (!mail) throw new Error('no mail');
    return mail;
  };

  const signIn = async (page: Page): Promise<void> => {
    await page.goto(`${running.url}/dashboard`);
    const seen = new Set(smtp.mails);
    await page.getByLabel('Work e-mail').fill(USER);
    await page.getByRole('button', { name: 'E-mail me a sign-in link' }).click();
    const [mail] = await smtp.waitFor({
      match: (m) => !seen.has(m) && m.subject === 'Your LoopPause sign-in link',
    });
    const link = /http:\/\/\S+\/dashboard\/signin\/[A-Za-z0-9_-]{43}/.exec(mail?.text ?? '')?.[0] ?? '';
    await page.goto(link);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Waiting for me' }).waitFor();
  };

  it('the dashboard shows an Edit’s diff (escaped) on Waiting and on its page, and approves it for the session', async () => {
    const pause = await createToolCallPause(
      running,
      {
        tool: 'Edit',
        input: {
          file_path: '/repo/src/<app>.ts',
          old_string: 'const a = 1;\nrender("<b>old</b>");',
          new_string: 'const a = 1;\nrender("<script>alert(1)</script>");',
        },
        session_id: 'sess-dash',
        cwd: '/repo',
        source: 'claude-code',
      },
      { recipient_email: USER },
    );
    const { page, problems } = await watchedPage(browser);
    await signIn(page);
    const card = page.locator('section.card', { hasText: '/repo/src/<app>.ts' });
    await card.locator('.tool-ins', { hasText: '+render("<script>alert(1)</script>");' }).waitFor();
    expect(await card.getByRole('button', { name: 'Approve for this session (1 h)' }).count()).toBe(1);
    await expectAccessible(page);

    await page.goto(`${running.url}/dashboard/pauses/${pause.pause_id}`);
    await page.locator('.tool-del', { hasText: '-render("<b>old</b>");' }).waitFor();
    await page.locator('.tool-ctx', { hasText: 'const a = 1;' }).waitFor();
    const facts = page.locator('table', { hasText: 'The tool call' });
    await facts.getByRole('cell', { name: 'sess-dash' }).waitFor();
    await facts.getByRole('cell', { name: 'Claude Code hook' }).waitFor();
    await expectAccessible(page);

    await page.getByRole('button', { name: 'Approve for this session (1 h)' }).click();
    await page.getByRole('heading', { name: 'Signed response' }).waitFor();
    const decided = await eventually(async () => {
      const p = await running.service.get(pause.pause_id);
      return p?.status === 'responded' ? p : undefined;
    });
    expect(decided.response).toMatchObject({ decision: 'approved', channel: 'web', responder: USER });
    expectRememberedFor(decided.response);
    expect(problems).toEqual([]);
    await page.close();
  }, 90_000);

  it('the e-mail decision page shows an MCP call’s arguments in full and approves for the session', async () => {
    const pause = await createToolCallPause(
      running,
      {
        tool: 'mcp__github__create_issue',
        input: { repo: 'acme/api', body: '<img src=x onerror=alert(1)> `rm -rf /`', labels: ['p1'] },
        session_id: 'sess-mail',
        source: 'gateway',
      },
      { recipient_email: 'ops@example.com' },
    );
    const mail = await mailFor(pause.pause_id);
    const href = /href="([^"]+\?decision=approved)"/.exec(String(mail.html))?.[1]?.replaceAll('&amp;', '&');
    if (!href) throw new Error('no Approve link in the mail');
    const { page, problems } = await watchedPage(browser);
    await page.goto(href);
    await page.getByText('MCP server github · tool create_issue · arguments:').waitFor();
    await page.locator('pre code', { hasText: '"body": "<img src=x onerror=alert(1)> `rm -rf /`"' }).waitFor();
    await page.getByRole('cell', { name: 'MCP gateway' }).waitFor();
    await expectAccessible(page);

    await page.getByRole('button', { name: 'Approve for this session (1 h)' }).click();
    await page.getByText('You approved this request for this session').waitFor();
    expectRememberedFor((await running.service.get(pause.pause_id))?.response);
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);
});
