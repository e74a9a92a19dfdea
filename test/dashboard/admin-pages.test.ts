import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretHash } from '../../src/dashboard/security.js';
import { hashApiKey, newApiKey } from '../../src/domain/api-keys.js';
import { newSecretToken } from '../../src/domain/ids.js';
import type { RunningService } from '../../src/main.js';
import { demoPolicy } from '../domain/policy/fixtures.js';
import { launchChromium } from '../helpers/browser.js';
import { startTestService, TEST_API_KEY } from '../helpers/service.js';

const LEAD = 'lead@acme.com';

const POLICY = demoPolicy(LEAD);

/** Zero serious or critical axe violations on the page as it stands. */
async function expectAccessible(page: Page): Promise<void> {
  const result = await new AxeBuilder({ page }).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join('; ')})`)).toEqual([]);
}

const noHorizontalOverflow = (page: Page) =>
  page.evaluate(() => {
    const doc = globalThis as unknown as {
      document: { scrollingElement: { scrollWidth: number } };
      innerWidth: number;
    };
    return { scrollWidth: doc.document.scrollingElement.scrollWidth, innerWidth: doc.innerWidth };
  });

describe('the admin pages in a real browser', () => {
  let dir: string;
  let running: RunningService;
  let browser: Browser;
  let context: BrowserContext;
  const ids: Record<string, string> = {};

  const ask = async (args: Record<string, unknown>): Promise<string> => {
    const res = await fetch(`${running.url}/v1/pauses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(args),
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { pause_id: string }).pause_id;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lp-admin-pages-'));
    writeFileSync(join(dir, 'policy.yaml'), POLICY);
    running = await startTestService({
      LOOPPAUSE_POLICY_FILE: join(dir, 'policy.yaml'),
      LOOPPAUSE_WEBHOOK_ALLOW_PRIVATE: 'true',
    });
    // The later deadline asked first: the store lists newest first, the page soonest deadline first.
    ids.late = await ask({ action_description: 'Send the invoice batch', action_details: {}, timeout_hours: 20 });
    ids.soon = await ask({
      action_description: 'Restart <b>billing</b>',
      action_details: { why: '<img src=x onerror=alert(1)>' },
      timeout_hours: 2,
    });
    ids.done = await ask({ action_description: 'Rotate the API token', action_details: { env: 'prod' } });
    await running.service.decide(ids.done, {
      decision: 'approved',
      comment: 'Rotated, thanks',
      responder: LEAD,
      channel: 'web',
      identities: [LEAD],
    });
    // A key with an owner, for maker-checker; the env's keys have none.
    await running.store.createApiKey({
      name: 'ci-bot',
      hash: hashApiKey(newApiKey()),
      created_at: new Date().toISOString(),
      owner: 'sam@acme.com',
    });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    const session = newSecretToken();
    await running.dashboard.sessions.putSession(
      secretHash(session),
      { email: LEAD, csrf: newSecretToken(), created_at: Date.now() },
      3_600_000,
      Date.now(),
    );
    await context.addCookies([{ name: 'lp_dash', value: session, url: `${running.url}/dashboard` }]);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await running?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('Policy: the rules as written in a table, the YAML behind a toggle, explain answered in words', async () => {
    const page = await context.newPage();
    await page.goto(`${running.url}/dashboard/policy`);
    const rows = page.locator('table.rules tbody tr');
    expect(await rows.count()).toBe(3);
    const payments = rows.nth(1);
    expect(await payments.locator('th').textContent()).toContain('payments');
    const text = await payments.textContent();
    for (const words of [
      'Transfer *',
      '#finance-approvals',
      'cfo@acme.com',
      'owner may not approve',
      '4 h, then rejected',
    ])
      expect(text).toContain(words);
    expect(text).toMatch(/2\s+of\s+finance/);
    expect(text).toContain('30m, 2h');
    expect(text).toContain('after 1h');
    expect(await rows.nth(0).textContent()).toContain('double(details.amount) <= 50.0');
    // The group links to its members.
    await payments.getByRole('link', { name: 'finance' }).click();
    expect(page.url()).toMatch(/#group-finance$/);

    const yaml = page.locator('details.raw', { hasText: 'The policy file as written' });
    expect(await yaml.locator('pre').isVisible()).toBe(false);
    await yaml.locator('summary').click();
    expect(await yaml.locator('pre').textContent()).toContain('remind_after: [30m, 2h]');
    await expectAccessible(page);

    await page.getByLabel('Agent (API key name)').fill('support-bot');
    await page.getByLabel('Action', { exact: true }).fill('Refund order 9');
    await page.getByLabel('Details (JSON object of strings)').fill('{"amount": "20"}');
    await page.getByRole('button', { name: 'Explain' }).click();
    const answer = page.getByRole('region', { name: 'Answer' });
    await answer.getByText('Rule small-refunds: decided approved at once.').waitFor();
    const raw = answer.locator('details.raw');
    expect(await raw.locator('pre').isVisible()).toBe(false);
    await raw.locator('summary').click();
    expect(await raw.locator('pre').textContent()).toContain('small-refunds');
    await expectAccessible(page);

    await page.getByLabel('Agent (API key name)').fill('ci-bot');
    await page.getByLabel('Action', { exact: true }).fill('Transfer $9,000 to ACME');
    await page.getByLabel('Details (JSON object of strings)').fill('{}');
    await page.getByRole('button', { name: 'Explain' }).click();
    await answer.getByText('Rule payments: routed to #finance-approvals and cfo@acme.com.').waitFor();
    const said = (await answer.textContent()) ?? '';
    expect(said).toContain('2 of finance (sarah@acme.com, cfo@acme.com) must approve');
    expect(said).toContain('sam@acme.com, the key’s owner, may not approve.');
    expect(said).toContain('Deadline: 4 h, then rejected.');
    await expectAccessible(page);

    // The env's key has no owner: maker-checker cannot hold, so a real request would be refused.
    await page.getByLabel('Agent (API key name)').fill('agent-a');
    await page.getByRole('button', { name: 'Explain' }).click();
    await answer.getByText('Refused under rule payments.').waitFor();
    await expectAccessible(page);
    await page.close();
  }, 60_000);

  it('a pause page: the audit timeline as words (when · what · who), the raw entries behind a toggle', async () => {
    const page = await context.newPage();
    await page.goto(`${running.url}/dashboard/pauses/${ids.done}`);
    const timeline = page.locator('ol.timeline li');
    const lines = await timeline.allTextContents();
    expect(lines[0]).toMatch(
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d · created by key:agent-a — to lead@acme\.com · rule everything-else$/,
    );
    expect(
      lines.some((l) => /^\d\d:\d\d:\d\d · approved by lead@acme\.com via the dashboard — “Rotated, thanks”$/.test(l)),
    ).toBe(true);
    expect(lines.some((l) => /decision signed: approved$/.test(l))).toBe(true);
    const raw = page.locator('details.raw', { hasText: 'Raw audit entries' });
    expect(await raw.locator('pre').isVisible()).toBe(false);
    await raw.locator('summary').click();
    expect(await raw.locator('pre').textContent()).toContain('"type": "pause.created"');
    await page.getByText('Decided', { exact: true }).waitFor();
    await expectAccessible(page);
    await page.close();
  }, 30_000);

  it('Waiting: recipients, approvers and the approvals count on each card, soonest deadline first', async () => {
    const page = await context.newPage();
    await page.goto(`${running.url}/dashboard/waiting`);
    const cards = page.locator('#live section.card');
    expect(await cards.count()).toBe(2);
    expect(await cards.nth(0).locator('h2').textContent()).toBe('Restart <b>billing</b>');
    expect(await cards.nth(1).locator('h2').textContent()).toBe('Send the invoice batch');
    const first = await cards.nth(0).textContent();
    expect(first).toMatch(/Expires in 2 hours · \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expect(first).toMatch(/Sent to\s*lead@acme\.com \(e-mail\)/);
    expect(first).toMatch(/Approvers\s*none named/);
    expect(first).toMatch(/Approvals\s*0 of 1/);
    // Agent text is text.
    await cards.nth(0).getByText('<img src=x onerror=alert(1)>').waitFor();
    expect(await page.locator('img').count()).toBe(0);
    await expectAccessible(page);
    await page.close();
  }, 30_000);

  it('History at 390 px: one card per request, a decided-at line, nothing wider than the screen', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await phone.addCookies(await context.cookies());
    const page = await phone.newPage();
    await page.goto(`${running.url}/dashboard/history`);
    const rows = page.locator('table.stack tbody tr');
    expect(await rows.count()).toBe(3);
    expect(await page.locator('table.stack thead').boundingBox()).toMatchObject({ width: 1, height: 1 });
    const row = rows.filter({ hasText: 'Rotate the API token' });
    // A card: the row a block, each cell a line labelled by its column (the label is CSS, from data-label).
    const style = (selector: string, pseudo?: string) =>
      row
        .locator(selector)
        .first()
        .evaluate(
          (el, p) =>
            (
              globalThis as unknown as {
                getComputedStyle(e: unknown, p?: string): { display: string; content: string };
              }
            ).getComputedStyle(el, p ?? undefined),
          pseudo ?? null,
        );
    expect(
      await row.evaluate(
        (el) =>
          (globalThis as unknown as { getComputedStyle(e: unknown): { display: string } }).getComputedStyle(el).display,
      ),
    ).toBe('block');
    const decidedAt = row.locator('td[data-label="Decided at"]');
    expect(await decidedAt.textContent()).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    expect((await style('td[data-label="Decided at"]', '::before')).content).toBe('"Decided at"');
    const { scrollWidth, innerWidth } = await noHorizontalOverflow(page);
    expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
    await expectAccessible(page);
    // At desktop width it is a table again, with the column.
    const wide = await context.newPage();
    await wide.goto(`${running.url}/dashboard/history`);
    await wide.getByRole('columnheader', { name: 'Decided at' }).waitFor();
    await wide.close();
    await phone.close();
  }, 30_000);

  it('Webhooks: the endpoint table, the events with what they mean, the form; accessible', async () => {
    const page = await context.newPage();
    await page.goto(`${running.url}/dashboard/webhooks`);
    await page.getByText('No webhook endpoints yet').waitFor();
    await expectAccessible(page);
    await page.getByLabel('URL', { exact: true }).fill('http://127.0.0.1:9/hooks/looppause');
    await page.getByRole('checkbox', { name: /pause\.delivered/ }).uncheck();
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await page.getByRole('heading', { name: 'Endpoint added' }).waitFor();
    const row = page.locator('table.stack tbody tr', { hasText: '127.0.0.1:9' });
    expect(await row.textContent()).toContain('enabled');
    expect(await row.textContent()).not.toContain('pause.delivered');
    await page.getByText('nobody decided in time').waitFor();
    await expectAccessible(page);
    await page.close();
  }, 30_000);
});
