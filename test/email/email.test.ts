import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyDecision } from '../../src/domain/signing.js';
import type { RunningService } from '../../src/main.js';
import { agentView, createPause, EMAIL_REQUEST, formKeyIn, postDecision } from '../helpers/email.js';
import { eventually } from '../helpers/eventually.js';
import { startTestService, TEST_SIGNING_SECRET } from '../helpers/service.js';
import { decideLink, TestSmtp } from '../helpers/smtp.js';

describe('e-mail over a real SMTP server, and the decision page', () => {
  let smtp: TestSmtp;
  let running: RunningService;

  beforeAll(async () => {
    smtp = await new TestSmtp().start();
    running = await startTestService({ SMTP_URL: smtp.url, EMAIL_FROM: 'LoopPause <approvals@lp.example.com>' });
  });
  afterAll(async () => {
    await running?.close();
    await smtp?.stop();
  });

  /** Creates a pause and returns it with the link from the mail that arrived for it. */
  const mailed = async (extra: object = {}) => {
    const pauseId = await createPause(running, extra);
    const [mail] = await smtp.waitFor({ match: (m) => (m.text ?? '').includes(pauseId) });
    if (!mail) throw new Error('no mail');
    return { pauseId, mail, link: decideLink(mail) };
  };

  it('sends the request at once: HTML and text parts, one Message-ID each, threaded per pause', async () => {
    const { pauseId, mail, link } = await mailed();
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.text : '').toBe('ops@example.com');
    expect(mail.from?.text).toContain('approvals@lp.example.com');
    expect(mail.subject).toBe('Approval needed: Delete the staging bucket');
    expect(mail.html).toContain('staging-assets');
    expect(mail.text).toContain('bucket: staging-assets');
    expect(link.startsWith(`${running.config.publicUrl}/decide/`)).toBe(true);
    expect(mail.messageId).toMatch(/^<[0-9a-f-]{36}@lp\.example\.com>$/);
    expect(mail.inReplyTo).toBe(`<${pauseId}@lp.example.com>`);
    expect(mail.references).toBe(`<${pauseId}@lp.example.com>`);
    const record = await eventually(async () => {
      const pause = await running.store.getPause(pauseId);
      return pause?.delivery.email?.state === 'sent' ? pause : undefined;
    });
    expect(record.delivery.email).toMatchObject({ state: 'sent', attempts: 1, message_id: mail.messageId });
  });

  it('GET shows the request and decides nothing (even twice); POST decides, signed, channel email', async () => {
    const { pauseId, link } = await mailed({
      action_details: { bucket: '<b>staging</b>' },
      response_fields: [{ name: 'ticket', label: 'Ticket number' }],
    });
    for (const _ of [1, 2]) {
      const page = await fetch(`${link}?decision=approved`);
      expect(page.status).toBe(200);
      const csp = page.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).not.toContain('script-src');
      expect(csp).toContain("frame-ancestors 'none'");
      expect(page.headers.get('cache-control')).toBe('no-store');
      const html = await page.text();
      expect(html).toContain('Delete the staging bucket');
      expect(html).toContain('&lt;b&gt;staging&lt;/b&gt;');
      expect(html).toContain('Ticket number');
      expect(html).toContain('name="comment"');
      expect(html).toContain(`style nonce="${/'nonce-([^']+)'/.exec(csp)?.[1]}"`);
      expect(await agentView(running, pauseId)).toMatchObject({ status: 'pending' });
    }
    const formKey = formKeyIn(await (await fetch(link)).text());
    const res = await postDecision(link, {
      form_key: formKey,
      decision: 'approved',
      comment: 'Go ahead, <em>carefully</em>',
      field_ticket: 'OPS-42',
    });
    expect(res.status).toBe(200);
    const done = await res.text();
    expect(done).toContain('You approved this request');
    expect(done).toContain('Go ahead, &lt;em&gt;carefully&lt;/em&gt;');

    const view = await agentView(running, pauseId);
    expect(view.status).toBe('responded');
    const response = view.response as Record<string, unknown>;
    expect(response).toMatchObject({
      decision: 'approved',
      channel: 'email',
      responder: 'ops@example.com',
      comment: 'Go ahead, <em>carefully</em>',
      fields: { ticket: 'OPS-42' },
    });
    expect(
      verifyDecision(TEST_SIGNING_SECRET, response, {
        pause_id: pauseId,
        action: { action_description: EMAIL_REQUEST.action_description, action_details: { bucket: '<b>staging</b>' } },
      }),
    ).toEqual({ ok: true });

    // Replay: the same link, GET or POST, is dead and says what happened.
    for (const replay of [fetch(link), postDecision(link, { form_key: formKey, decision: 'rejected' })]) {
      const again = await replay;
      expect(again.status).toBe(410);
      expect(await again.text()).toMatch(
        /Already approved by ops@example\.com via e-mail at \d{4}-\d\d-\d\d \d\d:\d\d UTC/,
      );
    }
    expect((await agentView(running, pauseId)).response).toEqual(response);
  });

  it('answers 404 to an unknown or malformed token, without deciding anything', async () => {
    const unknown = await fetch(`${running.url}/decide/${'A'.repeat(43)}`);
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('not valid');
    expect((await fetch(`${running.url}/decide/short`)).status).toBe(404);
    expect(
      (await postDecision(`${running.config.publicUrl}/decide/${'B'.repeat(43)}`, { decision: 'approved' })).status,
    ).toBe(404);
  });

  it('a pause decided in Slack, cancelled or timed out: 410 saying so', async () => {
    const slack = await mailed();
    await running.service.decide(slack.pauseId, {
      decision: 'rejected',
      comment: 'not today',
      responder: 'U0HUMAN01',
      channel: 'slack',
      identities: ['U0HUMAN01'],
    });
    const slackPage = await fetch(slack.link);
    expect(slackPage.status).toBe(410);
    const slackHtml = await slackPage.text();
    expect(slackHtml).toMatch(/Already rejected by U0HUMAN01 via Slack at \d{4}-\d\d-\d\d \d\d:\d\d UTC\./);
    expect(slackHtml).toContain('not today');

    const cancelled = await mailed();
    await running.service.cancel('agent-a', { pause_id: cancelled.pauseId, reason: 'plan <changed>' });
    const cancelledPage = await fetch(cancelled.link);
    expect(cancelledPage.status).toBe(410);
    const cancelledHtml = await cancelledPage.text();
    expect(cancelledHtml).toContain('The agent withdrew this request');
    expect(cancelledHtml).toContain('plan &lt;changed&gt;');

    const short = await mailed({ timeout_hours: 0.0003 });
    await eventually(async () => ((await agentView(running, short.pauseId)).status === 'timed_out' ? true : undefined));
    const timedOut = await fetch(short.link);
    expect(timedOut.status).toBe(410);
    expect(await timedOut.text()).toContain('timed out');
  });

  it('approving needs the required fields (422, the field named); rejecting does not', async () => {
    const { pauseId, link } = await mailed({ response_fields: [{ name: 'po', label: 'PO number', required: true }] });
    const formKey = formKeyIn(await (await fetch(link)).text());
    const missing = await postDecision(link, { form_key: formKey, decision: 'approved', comment: 'kept <here>' });
    expect(missing.status).toBe(422);
    const html = await missing.text();
    expect(html).toContain('PO number: is required to approve');
    expect(html).toContain('kept &lt;here&gt;</textarea>');
    expect(await agentView(running, pauseId)).toMatchObject({ status: 'pending' });

    const tooLong = await postDecision(link, { form_key: formKey, decision: 'approved', comment: 'x'.repeat(2001) });
    expect(tooLong.status).toBe(400);
    expect(await tooLong.text()).toContain('Comment: must be at most 2000 characters');
    const noDecision = await postDecision(link, { form_key: formKey, decision: 'maybe' });
    expect(noDecision.status).toBe(400);
    expect(await noDecision.text()).toContain('Decision: must be Approve or Reject');

    const rejected = await postDecision(link, { form_key: formKey, decision: 'rejected' });
    expect(rejected.status).toBe(200);
    expect(await agentView(running, pauseId)).toMatchObject({
      status: 'responded',
      response: { decision: 'rejected' },
    });
  });

  it('handles response fields named like Object.prototype members (constructor, toString)', async () => {
    const { pauseId, link } = await mailed({
      response_fields: [
        { name: 'constructor', label: 'Constructor', required: true },
        { name: 'toString', label: 'To string' },
      ],
    });
    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(await page.text()).not.toContain('[native code]');
    const formKey = formKeyIn(await (await fetch(link)).text());
    const missing = await postDecision(link, { form_key: formKey, decision: 'approved' });
    expect(missing.status).toBe(422);
    expect(await missing.text()).toContain('Constructor: is required to approve');
    const approved = await postDecision(link, {
      form_key: formKey,
      decision: 'approved',
      field_constructor: 'PO-77',
    });
    expect(approved.status).toBe(200);
    const view = await agentView(running, pauseId);
    expect(view).toMatchObject({ status: 'responded', response: { fields: { constructor: 'PO-77' } } });
    expect(verifyDecision(TEST_SIGNING_SECRET, view.response).ok).toBe(true);
  });

  it('refuses a cross-origin post and a post without the page form key (403); nothing is decided', async () => {
    const { pauseId, link } = await mailed();
    const formKey = formKeyIn(await (await fetch(link)).text());
    const port = new URL(running.url).port;
    const crossOrigin = await postDecision(
      link,
      { form_key: formKey, decision: 'approved' },
      { origin: `http://127.0.0.1:${port}` },
    );
    expect(crossOrigin.status).toBe(403);
    const badReferer = await postDecision(
      link,
      { form_key: formKey, decision: 'approved' },
      { referer: `http://127.0.0.1:${port}/decide/x` },
    );
    expect(badReferer.status).toBe(403);
    const noKey = await postDecision(link, { decision: 'approved' });
    expect(noKey.status).toBe(400);
    expect(await noKey.text()).toContain('Form: is missing');
    const wrongKey = await postDecision(link, { form_key: 'x'.repeat(32), decision: 'approved' });
    expect(wrongKey.status).toBe(403);
    expect(await agentView(running, pauseId)).toMatchObject({ status: 'pending' });
  });

  it('the form key is a keyed HMAC: the old unkeyed hash of the token is refused, the page key works', async () => {
    const { pauseId, link } = await mailed();
    const token = new URL(link).pathname.split('/').pop() ?? '';
    const unkeyed = createHash('sha256').update(`looppause-decide-form\n${token}`).digest('base64url').slice(0, 32);
    const forged = await postDecision(link, { form_key: unkeyed, decision: 'approved' });
    expect(forged.status).toBe(403);
    expect(await agentView(running, pauseId)).toMatchObject({ status: 'pending' });

    const formKey = formKeyIn(await (await fetch(link)).text());
    expect(formKey).not.toBe(unkeyed);
    expect((await postDecision(link, { form_key: formKey, decision: 'approved' })).status).toBe(200);
    expect(await agentView(running, pauseId)).toMatchObject({ status: 'responded' });
  });

  it('records the decision once when the same form is posted many times at once', async () => {
    const { pauseId, link } = await mailed();
    const formKey = formKeyIn(await (await fetch(link)).text());
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        postDecision(link, { form_key: formKey, decision: i % 2 ? 'rejected' : 'approved', comment: `click ${i}` }),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 410)).toHaveLength(9);
    expect(await agentView(running, pauseId)).toMatchObject({ status: 'responded' });
  });
});
