import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/main.js';
import { eventually } from '../helpers/eventually.js';
import { FakeSlack } from '../helpers/fake-slack.js';
import { startTestService, TEST_API_KEY } from '../helpers/service.js';
import { TestSmtp } from '../helpers/smtp.js';

/** Slack first, the e-mail only as a fallback an hour later; a reminder and an escalation after 1 s. */
const POLICY = `
rules:
  - name: slack-first
    route: { slack: "#ops", email: ops@example.com }
    approvers: [ops@example.com, lead@example.com]
    timeout_hours: 1
    remind_after: [1s]
    escalate: [{ after: 1s, route: { email: lead@example.com }, approvers: [lead@example.com] }]
`;

describe('e-mail steps when Slack is the primary surface', () => {
  let dir: string;
  let smtp: TestSmtp;
  let slack: FakeSlack;
  let running: RunningService;

  beforeAll(async () => {
    dir = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'email-slack-first-'));
    writeFileSync(join(dir, 'policy.yaml'), POLICY);
    smtp = await new TestSmtp().start();
    slack = await new FakeSlack().start();
    running = await startTestService({
      SMTP_URL: smtp.url,
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: 'test-slack-signing-secret',
      SLACK_API_URL: slack.apiUrl,
      LOOPPAUSE_EMAIL_FALLBACK_AFTER_SECONDS: '3600',
      LOOPPAUSE_POLICY_FILE: join(dir, 'policy.yaml'),
    });
  });
  afterAll(async () => {
    await running?.close();
    await slack?.close();
    await smtp?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('no e-mail reminder while the fallback has not fired; the escalation e-mail still goes to its address', async () => {
    const res = await fetch(`${running.url}/v1/pauses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}` },
      body: JSON.stringify({ action_description: 'Restart the queue', action_details: {} }),
    });
    expect(res.status).toBe(201);
    const pauseId = ((await res.json()) as { pause_id: string }).pause_id;

    const [escalation] = await smtp.waitFor({ match: (m) => (m.text ?? '').includes(pauseId), timeoutMs: 20_000 });
    expect(escalation?.to && !Array.isArray(escalation.to) ? escalation.to.text : '').toBe('lead@example.com');
    const skipped = await eventually(
      async () => (await running.store.getPause(pauseId))?.delivery.email_remind_0,
      20_000,
    );
    expect(skipped).toMatchObject({ state: 'skipped', reason: 'the request e-mail was not sent' });
    const pause = await running.store.getPause(pauseId);
    expect(pause?.delivery.email).toBeUndefined();
    expect(pause?.delivery.email_escalate_0).toMatchObject({ state: 'sent', to: 'lead@example.com' });
    // The step handlers have both run and sent one mail in all: to lead@, none to ops@.
    expect(smtp.mailsFor(pauseId)).toHaveLength(1);
  }, 60_000);
});
