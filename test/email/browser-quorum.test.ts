import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyDecision } from '../../src/domain/signing.js';
import type { RunningService } from '../../src/main.js';
import { launchChromium } from '../helpers/browser.js';
import { agentView } from '../helpers/email.js';
import { startTestService, TEST_API_KEY, TEST_SIGNING_SECRET } from '../helpers/service.js';
import { TestSmtp } from '../helpers/smtp.js';

const POLICY = `
rules:
  - name: two-keys
    when: { action: "Rotate *" }
    route: { email: ops@example.com }
    approvers: [ops@example.com, sre@example.com]
    quorum: 2
    timeout_hours: 1
    escalate: [{ after: 1s, route: { email: lead@example.com }, approvers: [lead@example.com] }]
`;

describe('a real browser on the decision page of a request that needs two approvals', () => {
  let dir: string;
  let smtp: TestSmtp;
  let running: RunningService;
  let browser: Browser;

  beforeAll(async () => {
    dir = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'browser-quorum-'));
    writeFileSync(join(dir, 'policy.yaml'), POLICY);
    smtp = await new TestSmtp().start();
    running = await startTestService({ SMTP_URL: smtp.url, LOOPPAUSE_POLICY_FILE: join(dir, 'policy.yaml') });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await running?.close();
    await smtp?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The Approve button's link in the HTML part of the mail to `address`, as a mail client would follow it. */
  const approveHref = async (pauseId: string, address: string) => {
    const [mail] = await smtp.waitFor({
      match: (m) => (m.text ?? '').includes(pauseId) && !Array.isArray(m.to) && m.to?.text === address,
      timeoutMs: 20_000,
    });
    const href = /href="([^"]+\?decision=approved)"/.exec(mail?.html || '')?.[1]?.replaceAll('&amp;', '&');
    if (!href) throw new Error(`no Approve link in the mail to ${address}`);
    return href;
  };
  const watch = (page: Page) => {
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    return problems;
  };

  it('the first approver is counted and then told they voted; the escalated approver sees the progress and decides', async () => {
    const action = { action_description: 'Rotate the <em>root</em> key', action_details: { key: 'root' } };
    const res = await fetch(`${running.url}/v1/pauses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}` },
      body: JSON.stringify(action),
    });
    expect(res.status).toBe(201);
    const pauseId = ((await res.json()) as { pause_id: string }).pause_id;

    const ops = await browser.newPage();
    const opsProblems = watch(ops);
    const opsHref = await approveHref(pauseId, 'ops@example.com');
    await ops.goto(opsHref);
    await ops.getByText('0 of 2 approvals so far').waitFor();
    await ops.getByText('Rotate the <em>root</em> key').first().waitFor();
    await ops.locator('button[value="approved"]').click();
    await ops.getByText('Your approval is counted: 1 of 2 approvals').waitFor();
    // The same link again: no buttons, and why.
    await ops.goto(opsHref);
    await ops.getByText('You already voted on this request (1 of 2 approvals so far)').waitFor();
    expect(await ops.locator('button').count()).toBe(0);
    expect(opsProblems).toEqual([]);
    await ops.close();

    const lead = await browser.newPage();
    const leadProblems = watch(lead);
    await lead.goto(await approveHref(pauseId, 'lead@example.com'));
    await lead.getByText('1 of 2 approvals so far — ops@example.com ✓').waitFor();
    await lead.locator('textarea[name="comment"]').fill('second pair of eyes');
    await lead.locator('button[value="approved"]').click();
    await lead.getByText('You approved this request').waitFor();
    expect(leadProblems).toEqual([]);
    await lead.close();

    const view = await agentView(running, pauseId);
    const response = view.response as { approvals?: { responder: string }[] };
    expect(view.status).toBe('responded');
    expect(response.approvals?.map((a) => a.responder)).toEqual(['ops@example.com', 'lead@example.com']);
    expect(verifyDecision(TEST_SIGNING_SECRET, response, { pause_id: pauseId, action })).toEqual({ ok: true });
  }, 60_000);
});
