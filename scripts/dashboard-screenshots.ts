// npx tsx scripts/dashboard-screenshots.ts — the README's two dashboard screenshots (docs/images/),
// taken with playwright-core's Chromium against a local service holding a few sample requests.
import { secretHash } from '../src/dashboard/security.js';
import { newSecretToken } from '../src/domain/ids.js';
import { launchChromium } from '../test/helpers/browser.js';
import { startTestService } from '../test/helpers/service.js';

const ADA = 'ada@example.com';

async function main(): Promise<void> {
  const running = await startTestService({ LOOPPAUSE_DASHBOARD_ADMINS: ADA });
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
  await ask({
    action_description: 'Send the November invoice batch (312 e-mails)',
    action_details: { batch: 'inv-2026-11' },
    recipient_email: ADA,
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
  await browser.close();
  await running.close();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
