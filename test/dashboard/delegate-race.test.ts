import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/main.js';
import { startTestService } from '../helpers/service.js';
import { TestSmtp } from '../helpers/smtp.js';
import { DashboardClient } from './helpers.js';

const ANN = 'ann@example.com';
const DEE = 'dee@example.com';

/**
 * A delegate who loses the race to the person they stand in for (who decided while the delegate
 * had the page open) is told it was decided already, as any other approver is — not that the
 * request does not exist.
 */
describe('a delegate who loses the race to the away approver', () => {
  let smtp: TestSmtp;
  let running: RunningService;
  let dee: DashboardClient;

  beforeAll(async () => {
    smtp = await new TestSmtp().start();
    running = await startTestService({ SMTP_URL: smtp.url, LOOPPAUSE_DASHBOARD_USERS: `${ANN},${DEE}` });
    dee = new DashboardClient(running);
    await dee.signIn(DEE, smtp);
  }, 60_000);
  afterAll(async () => {
    await running?.close();
    await smtp?.stop();
  });

  it('sees the decision (303 to already_final, then the decided page), not a 404', async () => {
    const until = new Date(Date.now() + 86_400_000).toISOString();
    await running.service.delegate({ absent: ANN, delegate: DEE, until }, ANN);
    const { pause_id: pauseId } = await running.service.request('agent-a', {
      action_description: 'Rotate the root key',
      action_details: {},
      recipient_email: ANN,
      approvers: [ANN],
    });
    const page = await (await dee.get(`/dashboard/pauses/${pauseId}`)).text();
    expect(page).toContain('Rotate the root key');
    const csrf = DashboardClient.field(page, 'csrf');

    const ann = await running.service.decide(pauseId, {
      decision: 'approved',
      responder: ANN,
      channel: 'email',
      identities: [ANN],
    });
    expect(ann.outcome).toBe('decided');

    const late = await dee.post(`/dashboard/pauses/${pauseId}/decide`, { csrf, decision: 'rejected', comment: '' });
    expect(late.status).toBe(303);
    expect(late.headers.get('location')).toBe(`/dashboard/pauses/${pauseId}?done=already_final`);
    const after = await dee.get(`/dashboard/pauses/${pauseId}?done=already_final`);
    expect(after.status).toBe(200);
    expect((await running.service.get(pauseId))?.response?.decision).toBe('approved');
  });

  it('does not see what the away approver decided before the delegation began', async () => {
    await running.service.endDelegation(ANN, ANN);
    const { pause_id: before } = await running.service.request('agent-a', {
      action_description: 'Close the quarter',
      action_details: {},
      recipient_email: ANN,
      approvers: [ANN],
    });
    await running.service.decide(before, { decision: 'approved', responder: ANN, channel: 'email', identities: [ANN] });
    const until = new Date(Date.now() + 86_400_000).toISOString();
    await running.service.delegate({ absent: ANN, delegate: DEE, until }, ANN);
    expect((await dee.get(`/dashboard/pauses/${before}`)).status).toBe(404);
    expect(await (await dee.get('/dashboard/history')).text()).not.toContain(before);
  });
});
