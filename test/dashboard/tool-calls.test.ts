import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/main.js';
import { startTestService } from '../helpers/service.js';
import { TestSmtp } from '../helpers/smtp.js';
import { createToolCallPause } from '../helpers/tool-call-pauses.js';
import { DashboardClient } from './helpers.js';

const USER = 'ada@example.com';

describe('the dashboard’s "Approve for this session" (signed-in client, memory store)', () => {
  let smtp: TestSmtp;
  let running: RunningService;
  let client: DashboardClient;

  beforeAll(async () => {
    smtp = await new TestSmtp().start();
    running = await startTestService({ SMTP_URL: smtp.url, LOOPPAUSE_DASHBOARD_USERS: USER });
    client = new DashboardClient(running);
    await client.signIn(USER, smtp);
  });
  afterAll(async () => {
    await running?.close();
    await smtp?.stop();
  });

  const bashPause = (plan?: 'none') =>
    createToolCallPause(
      running,
      { tool: 'Bash', input: { command: `terraform apply -auto-approve #${Math.random()}` }, source: 'api' },
      { recipient_email: USER },
      plan === 'none' ? { plan: undefined } : {},
    );

  it('is refused (400, nothing decided) on a rule without remember, and without the session’s CSRF token', async () => {
    const pause = await bashPause('none');
    const page = await (await client.get(`/dashboard/pauses/${pause.pause_id}`)).text();
    expect(page).not.toContain('approved_for_session');
    const csrf = DashboardClient.field(page, 'csrf');
    const forged = await client.post(`/dashboard/pauses/${pause.pause_id}/decide`, {
      csrf,
      decision: 'approved_for_session',
      comment: '',
    });
    expect(forged.status).toBe(400);
    expect(await forged.text()).toContain('cannot be approved for the session');

    const remembered = await bashPause();
    const noToken = await client.post(`/dashboard/pauses/${remembered.pause_id}/decide`, {
      decision: 'approved_for_session',
      comment: '',
    });
    expect(noToken.status).toBe(403);
    const crossSite = await client.post(
      `/dashboard/pauses/${remembered.pause_id}/decide`,
      { csrf, decision: 'approved_for_session', comment: '' },
      { origin: 'https://evil.example' },
    );
    expect(crossSite.status).toBe(403);
    for (const p of [pause, remembered]) expect((await running.service.get(p.pause_id))?.status).toBe('pending');
  });
});
