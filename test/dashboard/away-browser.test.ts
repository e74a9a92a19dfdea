import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/main.js';
import { launchChromium } from '../helpers/browser.js';
import { startTestService } from '../helpers/service.js';
import { TestSmtp } from '../helpers/smtp.js';
import { DashboardClient } from './helpers.js';

/**
 * The Away page in Chromium: an approver sets "away until, Bob decides", sees it, the request's page
 * says so to Bob, and she ends it; axe finds nothing serious on the pages.
 */
const SARAH = 'sarah@acme.com';
const BOB = 'bob@acme.com';

async function expectAccessible(page: Page): Promise<void> {
  const result = await new AxeBuilder({ page }).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
}

describe('the Away page in a real browser', () => {
  let smtp: TestSmtp;
  let running: RunningService;
  let browser: Browser;

  beforeAll(async () => {
    smtp = await new TestSmtp().start();
    running = await startTestService({ SMTP_URL: smtp.url, LOOPPAUSE_DASHBOARD_USERS: `${SARAH},${BOB}` });
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await running?.close();
    await smtp?.stop();
  });

  /** A browser page signed in as `email` (the link followed through the confirm form). */
  const signedInPage = async (email: string): Promise<Page> => {
    const link = await new DashboardClient(running).requestLink(email, smtp);
    const page = await (await browser.newContext()).newPage();
    await page.goto(link);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Waiting for me' }).waitFor();
    return page;
  };

  it('sets and ends a delegation; the delegate is told on the request’s page', async () => {
    const sarah = await signedInPage(SARAH);
    await sarah.getByRole('link', { name: 'Away' }).click();
    await sarah.getByRole('heading', { name: 'Away', exact: true }).waitFor();
    await expectAccessible(sarah);
    await sarah.getByLabel('Who decides meanwhile').fill(BOB);
    const until = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 16);
    await sarah.getByLabel('Until').fill(until);
    await sarah.getByRole('button', { name: 'Set away' }).click();
    await sarah.getByRole('heading', { name: 'You are away' }).waitFor();
    await expectAccessible(sarah);

    const { pause_id } = await running.service.request('agent-a', {
      action_description: 'Rotate the <em>root</em> key',
      action_details: {},
      recipient_email: 'ops@acme.com',
      approvers: [SARAH],
    });
    const bob = await signedInPage(BOB);
    await bob
      .getByRole('link', { name: /Rotate the <em>root<\/em> key/ })
      .first()
      .click();
    await bob.getByText(`${SARAH} is away until`).waitFor();
    await expectAccessible(bob);
    await bob.getByRole('button', { name: 'Approve', exact: true }).click();
    await bob.getByText('Decided. The agent has been told.').waitFor();
    expect((await running.service.get(pause_id))?.response?.approvals?.[0]).toMatchObject({
      responder: BOB,
      on_behalf_of: SARAH,
    });

    await sarah.reload();
    await sarah.getByRole('button', { name: 'End my delegation now' }).click();
    await sarah.getByText(`${SARAH} is back`).waitFor();
    expect(await running.service.delegations()).toEqual([]);
  });
});
