// npm run screenshots — the README's dashboard screenshots (docs/images/), taken with
// playwright-core's Chromium against a local service holding a few sample requests under a policy
// like the README's example (with a catch-all that routes the rest to the admin).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { secretHash } from '../src/dashboard/security.js';
import { hashApiKey, newApiKey } from '../src/domain/api-keys.js';
import { newSecretToken } from '../src/domain/ids.js';
import { demoPolicy } from '../test/domain/policy/fixtures.js';
import { launchChromium } from '../test/helpers/browser.js';
import { startTestService } from '../test/helpers/service.js';

const ADA = 'ada@example.com';

const POLICY = demoPolicy(ADA);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lp-screenshots-'));
  writeFileSync(join(dir, 'policy.yaml'), POLICY);
  const running = await startTestService({ LOOPPAUSE_POLICY_FILE: join(dir, 'policy.yaml') });
  // A key with an owner, as maker-checker needs; explain names them.
  await running.store.createApiKey({
    name: 'billing-bot',
    hash: hashApiKey(newApiKey()),
    created_at: new Date().toISOString(),
    owner: 'sam@acme.com',
  });
  const ask = (args: Record<string, unknown>) => running.service.request('agent-a', args);
  const done = await ask({
    action_description: 'Refund order #4411 ($1,250) to the customer’s card',
    action_details: { order: '4411', amount: '1250.00', reason: 'Damaged in transit' },
    recipient_email: ADA,
  });
  await running.service.decide(done.pause_id, {
    decision: 'approved',
    comment: 'Photos check out',
    responder: ADA,
    channel: 'web',
    identities: [ADA],
  });
  const rejected = await ask({
    action_description: 'Delete the staging S3 bucket',
    action_details: { bucket: 'acme-staging' },
    recipient_email: ADA,
  });
  await running.service.decide(rejected.pause_id, {
    decision: 'rejected',
    comment: 'Still in use by QA',
    responder: ADA,
    channel: 'web',
    identities: [ADA],
  });
  await ask({
    action_description: 'Rotate the production database password',
    action_details: { db: 'orders-prod', window: 'Sat 02:00 UTC' },
    recipient_email: ADA,
    response_fields: [{ name: 'ticket', label: 'Change ticket', required: true }],
  });
  // Asked later, due sooner: Waiting lists it first.
  await ask({
    action_description: 'Send the November invoice batch (312 e-mails)',
    action_details: { batch: 'inv-2026-11' },
    recipient_email: ADA,
    timeout_hours: 4,
  });
  await running.service.cancel('agent-a', {
    pause_id: (
      await ask({ action_description: 'Restart the billing worker', action_details: {}, recipient_email: ADA })
    ).pause_id,
    reason: 'Recovered by itself',
  });

  const id = newSecretToken();
  await running.dashboard.sessions.putSession(
    secretHash(id),
    { email: ADA, csrf: newSecretToken(), created_at: Date.now() },
    3_600_000,
    Date.now(),
  );
  const browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1100, height: 760 }, deviceScaleFactor: 1 });
  await context.addCookies([{ name: 'lp_dash', value: id, url: `${running.url}/dashboard` }]);
  const page = await context.newPage();
  await page.goto(`${running.url}/dashboard/waiting`);
  await page.screenshot({ path: 'docs/images/dashboard-waiting.png', fullPage: false });
  await page.goto(`${running.url}/dashboard/history`);
  await page.screenshot({ path: 'docs/images/dashboard-history.png', fullPage: false });
  await page.goto(`${running.url}/dashboard/pauses/${done.pause_id}`);
  await page.screenshot({ path: 'docs/images/dashboard-request.png', fullPage: true });
  await page.goto(`${running.url}/dashboard/policy`);
  await page.getByLabel('Agent (API key name)').fill('billing-bot');
  await page.getByLabel('Action', { exact: true }).fill('Transfer $9,000 to ACME Corp');
  await page.getByLabel('Details (JSON object of strings)').fill('{"invoice": "INV-2211"}');
  await page.getByRole('button', { name: 'Explain' }).click();
  await page.getByRole('region', { name: 'Answer' }).locator('.headline').waitFor();
  await page.screenshot({ path: 'docs/images/dashboard-policy.png', fullPage: true });

  const phone = await browser.newContext({
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 1,
    isMobile: true,
  });
  await phone.addCookies(await context.cookies());
  const small = await phone.newPage();
  await small.goto(`${running.url}/dashboard/history`);
  await small.screenshot({ path: 'docs/images/dashboard-history-phone.png', fullPage: false });
  await browser.close();
  await running.close();
  rmSync(dir, { recursive: true, force: true });
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
