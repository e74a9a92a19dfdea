import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/main.js';
import { agentView, createPause, formKeyIn, postDecision } from '../helpers/email.js';
import { eventually } from '../helpers/eventually.js';
import { FakeSlack } from '../helpers/fake-slack.js';
import { startTestService } from '../helpers/service.js';
import { settled } from '../helpers/settled.js';
import { decideLink, TestSmtp } from '../helpers/smtp.js';

/** Both recipients: Slack first; the e-mail when Slack fails or nobody decided within the fallback delay. */
describe('e-mail as the Slack fallback', () => {
  let smtp: TestSmtp;
  let slack: FakeSlack;
  let quick: RunningService;
  let slow: RunningService;

  beforeAll(async () => {
    smtp = await new TestSmtp().start();
    slack = await new FakeSlack().start();
    const env = {
      SMTP_URL: smtp.url,
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: 'test-slack-signing-secret',
      SLACK_API_URL: slack.apiUrl,
    };
    quick = await startTestService({ ...env, LOOPPAUSE_EMAIL_FALLBACK_AFTER_SECONDS: '1' });
    slow = await startTestService({ ...env, LOOPPAUSE_EMAIL_FALLBACK_AFTER_SECONDS: '3600' });
  });
  afterAll(async () => {
    await quick?.close();
    await slow?.close();
    await slack?.close();
    await smtp?.stop();
  });

  const both = { recipient_slack: '#ops' };

  it('no decision in Slack within the delay: the e-mail goes out once, and its decision updates Slack', async () => {
    const created = Date.now();
    const pauseId = await createPause(quick, both);
    const mentions = (body: Record<string, unknown>) => JSON.stringify(body).includes(pauseId);
    const [post] = await slack.waitFor((c) => c.method === 'chat.postMessage' && mentions(c.body));
    const [mail] = await smtp.waitFor({ match: (m) => (m.text ?? '').includes(pauseId) });
    if (!mail || !post) throw new Error('unreachable');
    // The fallback job is due at created + 1 s: a lower bound, not a timing race.
    const pause = await quick.store.getPause(pauseId);
    expect(pause?.delivery.slack?.state).toBe('posted');
    expect(Date.parse(pause?.delivery.email?.at ?? '')).toBeGreaterThanOrEqual(created + 1000);

    const link = decideLink(mail);
    const formKey = formKeyIn(await (await fetch(link)).text());
    expect((await postDecision(link, { form_key: formKey, decision: 'approved', comment: 'by mail' })).status).toBe(
      200,
    );
    expect(await agentView(quick, pauseId)).toMatchObject({
      status: 'responded',
      response: { channel: 'email', responder: 'ops@example.com', comment: 'by mail' },
    });
    const ts = pause?.delivery.slack?.ts;
    await slack.waitFor((c) => c.method === 'chat.update' && c.body.ts === ts);
    await settled(quick);
    expect(smtp.mailsFor(pauseId)).toHaveLength(1);
  });

  it('decided in Slack before the delay: no e-mail', async () => {
    const pauseId = await createPause(quick, both);
    await slack.waitFor((c) => c.method === 'chat.postMessage' && JSON.stringify(c.body).includes(pauseId));
    const outcome = await quick.service.decide(pauseId, {
      decision: 'approved',
      responder: 'U0HUMAN01',
      channel: 'slack',
      identities: ['U0HUMAN01'],
    });
    expect(outcome.outcome).toBe('decided');
    // The fallback (due 1 s after creation, within the job lease) has run or was dropped with the
    // pause's steps: either way nothing is left that could still send it.
    await settled(quick);
    expect(smtp.mailsFor(pauseId)).toHaveLength(0);
    expect((await quick.store.getPause(pauseId))?.delivery.email).toBeUndefined();
  });

  it('Slack refuses the post: the e-mail goes out at once, exactly once', async () => {
    slack.failWith('chat.postMessage', 'channel_not_found', 1);
    const pauseId = await createPause(slow, both);
    const [mail] = await smtp.waitFor({ match: (m) => (m.text ?? '').includes(pauseId) });
    expect(mail?.subject).toBe('Approval needed: Delete the staging bucket');
    const pause = await eventually(async () => {
      const p = await slow.store.getPause(pauseId);
      return p?.delivery.email?.state === 'sent' ? p : undefined;
    });
    expect(pause.delivery.slack).toMatchObject({ state: 'failed', error: 'channel_not_found' });
    await settled(slow);
    expect(smtp.mailsFor(pauseId)).toHaveLength(1);
  });
});
