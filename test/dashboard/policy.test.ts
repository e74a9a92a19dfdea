import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/main.js';
import { startTestService, TEST_API_KEY } from '../helpers/service.js';
import { TestSmtp } from '../helpers/smtp.js';
import { DashboardClient } from './helpers.js';

const POLICY = `
groups:
  finance: [ada@example.com, cy@example.com]
admins: [boss@example.com]
rules:
  - name: payments
    when: { action: "Transfer *" }
    route: { email: cfo@example.com }
    approvers: [group:finance]
    quorum: 2
    response_fields: [{ name: po, label: PO number, required: true }]
`;

describe('the dashboard under an operator policy', () => {
  let dir: string;
  let smtp: TestSmtp;
  let running: RunningService;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lp-dash-policy-'));
    writeFileSync(join(dir, 'policy.yaml'), POLICY);
    smtp = await new TestSmtp().start();
    // LOOPPAUSE_DASHBOARD_USERS is ignored once a policy is in force.
    running = await startTestService({
      SMTP_URL: smtp.url,
      LOOPPAUSE_POLICY_FILE: join(dir, 'policy.yaml'),
      LOOPPAUSE_DASHBOARD_USERS: 'env-only@example.com',
    });
  }, 60_000);
  afterAll(async () => {
    await running?.close();
    await smtp?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('group members and admins sign in, no one else; a quorum of two: counted, already voted, missing field, decided', async () => {
    const outsider = new DashboardClient(running);
    const seen = smtp.mails.length;
    const page = await (await outsider.get('/dashboard/signin')).text();
    await outsider.post('/dashboard/signin', {
      csrf: DashboardClient.field(page, 'csrf'),
      email: 'env-only@example.com',
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(smtp.mails.length).toBe(seen);

    const res = await fetch(`${running.url}/v1/pauses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ action_description: 'Transfer $9,000 to ACME', action_details: { to: 'ACME' } }),
    });
    const { pause_id: id } = (await res.json()) as { pause_id: string };
    const ada = new DashboardClient(running);
    await ada.signIn('ada@example.com', smtp);
    const waiting = await (await ada.get('/dashboard/waiting')).text();
    expect(waiting).toContain('Transfer $9,000 to ACME');
    expect(waiting).toMatch(/<dt>Approvals<\/dt><dd class="progress">0 of 2<\/dd>/);
    const csrf = await ada.csrf();
    const decide = `/dashboard/pauses/${id}/decide`;
    const missing = await ada.post(decide, { csrf, decision: 'approved' });
    expect(missing.status).toBe(422);
    expect(await missing.text()).toContain('PO number: is required to approve');
    const counted = await ada.post(decide, { csrf, decision: 'approved', field_po: 'PO-1' });
    expect(counted.headers.get('location')).toBe(`/dashboard/pauses/${id}?done=counted`);
    const after = await (await ada.get(`/dashboard/pauses/${id}`)).text();
    expect(after).toContain('1 of 2 approvals');
    expect(after).toContain('You already voted');
    expect((await ada.post(decide, { csrf, decision: 'approved', field_po: 'PO-1' })).status).toBe(409);

    const cy = new DashboardClient(running);
    await cy.signIn('cy@example.com', smtp);
    const done = await cy.post(decide, { csrf: await cy.csrf(), decision: 'approved', field_po: 'PO-2' });
    expect(done.headers.get('location')).toBe(`/dashboard/pauses/${id}?done=decided`);
    const pause = await running.service.get(id);
    expect(pause?.response).toMatchObject({ decision: 'approved', channel: 'web', responder: 'cy@example.com' });
    expect(pause?.response?.approvals?.map((a) => a.responder)).toEqual(['ada@example.com', 'cy@example.com']);
  });

  it('the policy admin sees the rules and the digest, and explains a request', async () => {
    const boss = new DashboardClient(running);
    await boss.signIn('boss@example.com', smtp);
    const page = await (await boss.get('/dashboard/policy')).text();
    expect(page).toContain('payments');
    expect(page).toContain(running.policy?.current().digest ?? 'none');
    const explained = await boss.post('/dashboard/policy/explain', {
      csrf: await boss.csrf(),
      agent: 'agent-a',
      action: 'Transfer $5 to Bob',
      details: '{"to": "Bob"}',
    });
    expect(explained.status).toBe(200);
    expect(await explained.text()).toMatch(/&quot;rule&quot;: &quot;payments&quot;/);
    const broken = await boss.post('/dashboard/policy/explain', {
      csrf: await boss.csrf(),
      agent: 'a',
      action: 'b',
      details: '{',
    });
    expect(broken.status).toBe(400);
  });
});
