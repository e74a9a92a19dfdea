import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ParsedMail } from 'mailparser';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pause } from '../../src/domain/pause.js';
import { verifyDecision } from '../../src/domain/signing.js';
import type { EmailDeps } from '../../src/email/send.js';
import { escalateJob, remindJob } from '../../src/email/steps.js';
import { formKey, formKeySecret } from '../../src/email/tokens.js';
import { createMailTransport, type MailTransport } from '../../src/email/transport.js';
import { JobKind, type StepJobKind } from '../../src/jobs/job-kinds.js';
import type { RunningService } from '../../src/main.js';
import type { Job } from '../../src/store/ports/jobs.js';
import { agentView, formKeyIn, postDecision } from '../helpers/email.js';
import { eventually } from '../helpers/eventually.js';
import { startTestService, TEST_API_KEY, TEST_SIGNING_SECRET } from '../helpers/service.js';
import { decideLink, TestSmtp } from '../helpers/smtp.js';

/**
 * Quorum 2 with a reminder after 1 s and an escalation to lead@ after 2 s (`quick`); a later
 * reminder (`slow`) leaves time to vote or cancel first; `later` never fires during the run, so its
 * step handlers are called directly; `owned` excludes the key's owner (maker-checker).
 */
const POLICY = `
rules:
  - name: quick
    when: { action: "Rotate *" }
    route: { email: ops@example.com }
    approvers: [ops@example.com, sre@example.com]
    quorum: 2
    timeout_hours: 1
    remind_after: [1s]
    escalate: [{ after: 2s, route: { email: lead@example.com }, approvers: [lead@example.com] }]
    on_timeout: rejected
  - name: slow
    when: { action: "Deploy *" }
    route: { email: ops@example.com }
    approvers: [ops@example.com, sre@example.com]
    quorum: 2
    timeout_hours: 1
    remind_after: [6s]
    on_timeout: rejected
  - name: later
    when: { action: "Archive *" }
    route: { email: ops@example.com }
    approvers: [ops@example.com, sre@example.com]
    quorum: 2
    timeout_hours: 4
    remind_after: [1h]
    escalate: [{ after: 2h, route: { email: lead@example.com }, approvers: [lead@example.com] }]
  - name: owned
    when: { action: "Own *" }
    route: { email: owner@example.com }
    approvers: [owner@example.com, ops@example.com]
    owner_cannot_approve: true
    timeout_hours: 1
`;

const to = (mail: ParsedMail) => (mail.to && !Array.isArray(mail.to) ? mail.to.text : '');
const isReminder = (mail: ParsedMail) => (mail.subject ?? '').startsWith('Re: ');

describe('e-mail reminders, escalation, quorum progress and maker-checker (policy file, real SMTP)', () => {
  let dir: string;
  let smtp: TestSmtp;
  let running: RunningService;

  beforeAll(async () => {
    dir = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'email-steps-'));
    writeFileSync(join(dir, 'policy.yaml'), POLICY);
    smtp = await new TestSmtp().start();
    running = await startTestService({
      SMTP_URL: smtp.url,
      EMAIL_FROM: 'LoopPause <approvals@lp.example.com>',
      LOOPPAUSE_POLICY_FILE: join(dir, 'policy.yaml'),
      LOOPPAUSE_API_KEYS: `agent-a:${TEST_API_KEY}:owner@example.com`,
    });
  });
  afterAll(async () => {
    await running?.close();
    await smtp?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const stored = async (pauseId: string) => (await running.store.getPause(pauseId)) as Pause;
  const create = async (action: { action_description: string; action_details: Record<string, string> }) => {
    const res = await fetch(`${running.url}/v1/pauses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}` },
      body: JSON.stringify(action),
    });
    expect(res.status).toBe(201);
    const pauseId = ((await res.json()) as { pause_id: string }).pause_id;
    const [request] = await smtp.waitFor({ match: (m) => (m.text ?? '').includes(pauseId) && !isReminder(m) });
    if (!request) throw new Error('no request mail');
    // Recorded right after the server accepted it.
    await eventually(async () => ((await stored(pauseId)).delivery.email?.state === 'sent' ? true : undefined));
    return { pauseId, request, link: decideLink(request) };
  };
  const mailsTo = (pauseId: string, address: string) => smtp.mailsFor(pauseId).filter((m) => to(m) === address);
  const approve = async (link: string, comment = '') =>
    postDecision(link, { form_key: formKeyIn(await (await fetch(link)).text()), decision: 'approved', comment });

  it('reminds once in the thread, escalates to the next address, and that link completes the quorum, signed', async () => {
    const action = { action_description: 'Rotate the <b>signing</b> key', action_details: { key: 'k-1 & <old>' } };
    const { pauseId, request } = await create(action);
    expect(to(request)).toBe('ops@example.com');
    expect(request.text).toContain('Progress: 0 of 2 approvals so far');

    const [reminder] = await smtp.waitFor({
      match: (m) => (m.text ?? '').includes(pauseId) && isReminder(m),
      timeoutMs: 20_000,
    });
    if (!reminder) throw new Error('no reminder');
    expect(to(reminder)).toBe('ops@example.com');
    expect(reminder.subject).toBe('Re: Approval needed: Rotate the <b>signing</b> key');
    expect(reminder.inReplyTo).toBe(request.messageId);
    expect([reminder.references].flat()).toContain(request.messageId);
    expect(reminder.messageId).not.toBe(request.messageId);
    expect(reminder.text).toContain('Reminder: an AI agent is still waiting for your approval');
    expect(reminder.text).toContain('Progress: 0 of 2 approvals so far');
    expect(reminder.html).toContain('Rotate the &lt;b&gt;signing&lt;/b&gt; key');
    expect(reminder.html).toContain('k-1 &amp; &lt;old&gt;');
    expect(reminder.html).not.toContain('<b>signing</b>');
    const reminderLink = decideLink(reminder);
    expect(reminderLink).not.toBe(decideLink(request));

    const [escalation] = await smtp.waitFor({
      match: (m) => (m.text ?? '').includes(pauseId) && to(m) === 'lead@example.com',
      timeoutMs: 20_000,
    });
    if (!escalation) throw new Error('no escalation');
    expect(escalation.subject).toBe('Approval needed: Rotate the <b>signing</b> key');
    expect(escalation.text).toContain('Escalated to you');
    expect(escalation.html).toContain('Rotate the &lt;b&gt;signing&lt;/b&gt; key');
    const escalationLink = decideLink(escalation);

    // The reminder's fresh link votes as ops@ (1 of 2); the pause stays pending.
    const first = await approve(reminderLink, 'ok from ops');
    expect(first.status).toBe(200);
    expect(await first.text()).toContain('Your approval is counted: 1 of 2 approvals');
    expect(await agentView(running, pauseId)).toMatchObject({
      status: 'pending',
      approvals_received: 1,
      approvals_required: 2,
    });

    // lead@ sees the progress on the page, then completes the quorum.
    const page = await (await fetch(escalationLink)).text();
    expect(page).toContain('1 of 2 approvals so far — ops@example.com ✓');
    expect(page).toContain('Deciding as lead@example.com');
    const second = await approve(escalationLink, 'lead agrees');
    expect(second.status).toBe(200);
    expect(await second.text()).toContain('You approved this request');

    const view = await agentView(running, pauseId);
    expect(view.status).toBe('responded');
    const response = view.response as Record<string, unknown>;
    expect(response).toMatchObject({ decision: 'approved', channel: 'email', responder: 'lead@example.com' });
    expect(response.approvals).toEqual([
      {
        responder: 'ops@example.com',
        channel: 'email',
        comment: 'ok from ops',
        fields: {},
        responded_at: expect.any(String),
      },
      {
        responder: 'lead@example.com',
        channel: 'email',
        comment: 'lead agrees',
        fields: {},
        responded_at: expect.any(String),
      },
    ]);
    expect(verifyDecision(TEST_SIGNING_SECRET, response, { pause_id: pauseId, action })).toEqual({ ok: true });
    expect(verifyDecision(TEST_SIGNING_SECRET, { ...response, approvals: [] }, { pause_id: pauseId, action }).ok).toBe(
      false,
    );

    // Past both step times: one reminder, one escalation, each recorded.
    expect(mailsTo(pauseId, 'ops@example.com').filter(isReminder)).toHaveLength(1);
    expect(mailsTo(pauseId, 'lead@example.com')).toHaveLength(1);
    const delivery = (await stored(pauseId)).delivery;
    expect(delivery.email_remind_0).toMatchObject({ state: 'sent', to: 'ops@example.com', attempts: 1 });
    expect(delivery.email_remind_0?.message_id).toBe(reminder.messageId);
    expect(delivery.email_escalate_0).toMatchObject({ state: 'sent', to: 'lead@example.com', attempts: 1 });
  }, 60_000);

  it('does not remind a recipient who already voted (any spelling), nor after the pause ended', async () => {
    const deploy = (what: string) => ({ action_description: `Deploy ${what}`, action_details: {} });
    // Each acts well before its reminder is due (6 s): ops@ votes in Slack with their e-mail in
    // other case (the same human); the agent cancels the second.
    const voted = await create(deploy('api'));
    const vote = await running.service.decide(voted.pauseId, {
      decision: 'approved',
      responder: 'U0OPS0001',
      channel: 'slack',
      identities: ['U0OPS0001', 'Ops@Example.COM'],
    });
    expect(vote.outcome).toBe('counted');
    const cancelled = await create(deploy('worker'));
    const cancel = await fetch(`${running.url}/v1/pauses/${cancelled.pauseId}/cancel`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}` },
      body: JSON.stringify({ reason: 'not needed' }),
    });
    expect(cancel.status).toBe(200);
    const control = await create(deploy('web'));

    // The control pause, created last, gets its reminder: the others' reminder times have passed.
    await smtp.waitFor({ match: (m) => (m.text ?? '').includes(control.pauseId) && isReminder(m), timeoutMs: 20_000 });
    const skipped = await eventually(async () => (await stored(voted.pauseId)).delivery.email_remind_0, 10_000);
    expect(skipped).toMatchObject({ state: 'skipped', reason: 'the recipient already voted' });
    expect(smtp.mailsFor(voted.pauseId).filter(isReminder)).toEqual([]);
    expect(smtp.mailsFor(cancelled.pauseId).filter(isReminder)).toEqual([]);
    expect((await stored(cancelled.pauseId)).delivery.email_remind_0).toBeUndefined();

    // The voter's own link now says so, with the progress, and offers no buttons.
    const page = await fetch(voted.link);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('You already voted on this request (1 of 2 approvals so far)');
    expect(html).toContain('1 of 2 approvals so far — U0OPS0001 ✓');
    expect(html).not.toContain('name="decision"');
    expect(html).not.toContain('<form');
  }, 60_000);

  it('the key owner is told someone else must decide: no buttons on the page, 403 on POST, nothing changes', async () => {
    const { pauseId, link, request } = await create({ action_description: 'Own the release', action_details: {} });
    expect(to(request)).toBe('owner@example.com');
    const page = await fetch(link);
    expect(page.status).toBe(403);
    const html = await page.text();
    expect(html).toContain('Someone else must decide');
    expect(html).toContain('You own the API key that asked for this, and policy rule &quot;owned&quot;');
    expect(html).not.toContain('name="decision"');

    // The POST a stale page (or a crafted form) would send is refused the same way.
    const token = link.slice(link.lastIndexOf('/') + 1);
    const res = await postDecision(link, {
      form_key: formKey(formKeySecret(TEST_SIGNING_SECRET), token),
      decision: 'approved',
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('lets only someone else decide (maker-checker)');
    const after = await stored(pauseId);
    expect(after.status).toBe('pending');
    expect(after.votes ?? []).toEqual([]);
    expect(await agentView(running, pauseId)).toMatchObject({ status: 'pending', approvals_received: 0 });
  }, 30_000);

  describe('the step handlers, called directly (a retry, a failure, nothing to send)', () => {
    let transport: MailTransport;
    let failNext = 0;
    let deps: EmailDeps;
    beforeAll(() => {
      const real = createMailTransport(running.config.email, pino({ level: 'silent' }));
      transport = {
        kind: real.kind,
        send: async (mail) => {
          if (failNext > 0) {
            failNext -= 1;
            throw new Error('421 try again later');
          }
          return real.send(mail);
        },
        close: () => real.close(),
      };
      deps = {
        config: running.config,
        service: running.service,
        store: running.store,
        transport,
        logger: pino({ level: 'silent' }),
      };
    });
    afterAll(() => transport?.close());

    const job = <K extends StepJobKind>(kind: K, pauseId: string, step: number, attempts = 1): Job<K> =>
      ({
        id: `${kind}:${step}:${pauseId}`,
        kind,
        data: { pause_id: pauseId, step },
        run_at: Date.now(),
        attempts,
      }) as Job<K>;
    const archive = () => create({ action_description: 'Archive the logs', action_details: {} });

    it('a reminder that failed is retried and sent once; running it again after success sends nothing', async () => {
      const { pauseId, request } = await archive();
      const remind = remindJob(deps);
      failNext = 1;
      await expect(remind(job(JobKind.emailRemind, pauseId, 0))).rejects.toThrow('421');
      expect((await stored(pauseId)).delivery.email_remind_0).toMatchObject({ state: 'retrying', attempts: 1 });

      await remind(job(JobKind.emailRemind, pauseId, 0, 2));
      await remind(job(JobKind.emailRemind, pauseId, 0, 3));
      const [reminder] = await smtp.waitFor({ match: (m) => (m.text ?? '').includes(pauseId) && isReminder(m) });
      expect(reminder?.inReplyTo).toBe(request.messageId);
      expect((await stored(pauseId)).delivery.email_remind_0).toMatchObject({ state: 'sent', attempts: 2 });

      // Escalation: the same, to lead@; a second run sends nothing.
      const escalate = escalateJob(deps);
      await escalate(job(JobKind.emailEscalate, pauseId, 0));
      await escalate(job(JobKind.emailEscalate, pauseId, 0));
      await smtp.waitFor({ match: (m) => (m.text ?? '').includes(pauseId) && to(m) === 'lead@example.com' });
      // Every send above was awaited: what arrived by now is all there is.
      expect(smtp.mailsFor(pauseId).filter(isReminder)).toHaveLength(1);
      expect(mailsTo(pauseId, 'lead@example.com')).toHaveLength(1);
      expect((await stored(pauseId)).delivery.email_escalate_0).toMatchObject({ state: 'sent', attempts: 1 });
    }, 30_000);

    it('no reminder when the request e-mail never went out, for a step the plan lacks, or to a voter', async () => {
      const { pauseId } = await archive();
      // Still on its way (retrying): the reminder waits for it, by failing and being run again later.
      await running.service.deliveries.record(pauseId, 'email', { state: 'retrying', attempts: 1, at: 'now' });
      await expect(remindJob(deps)(job(JobKind.emailRemind, pauseId, 0))).rejects.toThrow('not sent yet');
      expect((await stored(pauseId)).delivery.email_remind_0).toBeUndefined();
      // Given up: nothing to remind of.
      await running.service.deliveries.record(pauseId, 'email', { state: 'failed', attempts: 8, at: 'now' });
      await remindJob(deps)(job(JobKind.emailRemind, pauseId, 0));
      expect((await stored(pauseId)).delivery.email_remind_0).toMatchObject({
        state: 'skipped',
        reason: 'the request e-mail was not sent',
      });
      await remindJob(deps)(job(JobKind.emailRemind, pauseId, 5));
      expect((await stored(pauseId)).delivery.email_remind_5).toBeUndefined();

      const voted = await archive();
      expect((await approve(voted.link)).status).toBe(200);
      await remindJob(deps)(job(JobKind.emailRemind, voted.pauseId, 0));
      expect((await stored(voted.pauseId)).delivery.email_remind_0).toMatchObject({
        state: 'skipped',
        reason: 'the recipient already voted',
      });
      expect(smtp.mailsFor(pauseId).filter(isReminder)).toEqual([]);
      expect(smtp.mailsFor(voted.pauseId).filter(isReminder)).toEqual([]);
    }, 30_000);
  });
});
