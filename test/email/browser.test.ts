import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyDecision } from '../../src/domain/signing.js';
import type { RunningService } from '../../src/main.js';
import { launchChromium } from '../helpers/browser.js';
import { agentView, createPause, EMAIL_REQUEST } from '../helpers/email.js';
import { startTestService, TEST_SIGNING_SECRET } from '../helpers/service.js';
import { TestSmtp } from '../helpers/smtp.js';

describe('a real browser on the decision page', () => {
  let smtp: TestSmtp;
  let running: RunningService;
  let browser: Browser;

  beforeAll(async () => {
    smtp = await new TestSmtp().start();
    running = await startTestService({ SMTP_URL: smtp.url });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await running?.close();
    await smtp?.stop();
  });

  it('opens the Approve link from the mail, types a comment, approves; check_approval sees it signed', async () => {
    const pauseId = await createPause(running, {
      response_fields: [{ name: 'ticket', label: 'Ticket', required: true }],
    });
    const [mail] = await smtp.waitFor({ match: (m) => (m.text ?? '').includes(pauseId) });
    const href = /href="([^"]+\?decision=approved)"/.exec(mail?.html || '')?.[1]?.replaceAll('&amp;', '&');
    expect(href).toBeDefined();

    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      // The 422 re-render is logged as a failed resource load: expected. CSP refusals are not.
      if (m.type() === 'error' && !m.text().includes('status of 422')) problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(href ?? '');
    await page.getByText('Delete the staging bucket').first().waitFor();
    expect(await agentView(running, pauseId)).toMatchObject({ status: 'pending' });

    // Approving without the required field re-renders the form with the error.
    await page.locator('textarea[name="comment"]').fill('Looks right — ship it');
    await page.locator('button[value="approved"]').click();
    await page.getByText('Ticket: is required to approve').waitFor();
    expect(await page.locator('textarea[name="comment"]').inputValue()).toBe('Looks right — ship it');

    await page.locator('input[name="field_ticket"]').fill('OPS-7');
    await page.locator('button[value="approved"]').click();
    await page.getByText('You approved this request').waitFor();
    // The CSP allowed the page's own (nonce'd) style and nothing tried to run.
    expect(problems).toEqual([]);
    const background = await page.locator('.card').evaluate((el) => {
      const { getComputedStyle } = globalThis as unknown as {
        getComputedStyle(e: unknown): { backgroundColor: string };
      };
      return getComputedStyle(el).backgroundColor;
    });
    expect(background).toBe('rgb(255, 255, 255)');

    const view = await agentView(running, pauseId);
    expect(view).toMatchObject({
      status: 'responded',
      response: {
        decision: 'approved',
        comment: 'Looks right — ship it',
        fields: { ticket: 'OPS-7' },
        channel: 'email',
        responder: EMAIL_REQUEST.recipient_email,
      },
    });
    expect(
      verifyDecision(TEST_SIGNING_SECRET, view.response, {
        pause_id: pauseId,
        action: { action_description: EMAIL_REQUEST.action_description, action_details: EMAIL_REQUEST.action_details },
      }),
    ).toEqual({ ok: true });

    // Opening the mail's link again: the token is spent and the page says who decided.
    await page.goto(href ?? '');
    await page.getByText('Already approved by ops@example.com via e-mail').waitFor();
    await page.close();
  });

  it('shows hostile agent text as text: no script runs, nothing injected, in the mail or on the page', async () => {
    const attacks = ['<script>alert(1)</script>', '"><img src=x onerror=alert(2)>', "'><svg onload=alert(3)>"];
    const pauseId = await createPause(running, {
      action_description: `Ship it ${attacks[0]}`,
      action_details: { [attacks[1] as string]: attacks[2], plain: attacks[0] },
      response_fields: [{ name: 'po', label: `PO ${attacks[1]}` }],
    });
    const [mail] = await smtp.waitFor({ match: (m) => (m.text ?? '').includes(pauseId) });
    const html = mail?.html || '';
    for (const attack of attacks) expect(html).not.toContain(attack);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    const href = /href="([^"]+\?decision=approved)"/.exec(html)?.[1]?.replaceAll('&amp;', '&') ?? '';

    const page = await browser.newPage();
    const dialogs: string[] = [];
    page.on('dialog', async (d) => {
      dialogs.push(d.message());
      await d.dismiss();
    });
    await page.goto(href);
    await page.getByText('Ship it <script>alert(1)</script>').first().waitFor();
    await page.getByText(`PO ${attacks[1]}`).first().waitFor();
    expect(await page.locator('img, svg, script:not([nonce])').count()).toBe(0);
    expect(dialogs).toEqual([]);
    await page.close();
  });
});
