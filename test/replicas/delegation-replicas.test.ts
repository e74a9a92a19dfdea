import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/main.js';
import { ActionId } from '../../src/slack/ids.js';
import { DashboardClient } from '../dashboard/helpers.js';
import { formKeyIn, postDecision } from '../helpers/email.js';
import { eventually } from '../helpers/eventually.js';
import { channelIdFor, FakeSlack } from '../helpers/fake-slack.js';
import { randomPrefix, startRedis, type TestRedis } from '../helpers/redis-server.js';
import { startTestService } from '../helpers/service.js';
import { type SlackService, shownText, slackUsers, startSlackService } from '../helpers/slack.js';
import { TestSmtp } from '../helpers/smtp.js';

/**
 * Away and delegate across two replicas on one Redis: a delegation set on the dashboard of one is
 * honoured by the other's dashboard and by e-mail links; the away approver and their delegate voting
 * at once on the two replicas count once; a window ending while a request waits ends the delegate's
 * standing; every refusal of the Away page says why.
 */
const SARAH = 'sarah@acme.com';
const BOB = 'bob@acme.com';
const CY = 'cy@acme.com';
const POLICY = `
groups:
  finance: [${SARAH}, ${BOB}, ${CY}]
admins: [admin@acme.com]
delegation: any
rules:
  - name: refunds
    when: { action: "Refund *" }
    route: { email: ${BOB} }
    approvers: [${SARAH}]
    delegation: any
  - name: payments
    when: { action: "Pay *" }
    route: { email: ops@acme.com }
    approvers: [${SARAH}, ${CY}]
    quorum: 2
    delegation: any
`;

describe('delegation across two replicas (dashboard and e-mail)', () => {
  let redis: TestRedis;
  let smtp: TestSmtp;
  let a: RunningService;
  let b: RunningService;
  let dir: string;
  const until = new Date(Date.now() + 86_400_000).toISOString().slice(0, 16);

  beforeAll(async () => {
    dir = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'delegation-replicas-'));
    writeFileSync(join(dir, 'policy.yaml'), POLICY);
    [redis, smtp] = await Promise.all([startRedis(), new TestSmtp().start()]);
    const env = {
      REDIS_URL: redis.url,
      LOOPPAUSE_REDIS_PREFIX: randomPrefix(),
      SMTP_URL: smtp.url,
      LOOPPAUSE_POLICY_FILE: join(dir, 'policy.yaml'),
    };
    a = await startTestService(env);
    b = await startTestService(env);
  }, 60_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await smtp?.stop();
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const signedIn = async (running: RunningService, email: string) => {
    const client = new DashboardClient(running);
    await client.signIn(email, smtp);
    return client;
  };
  const request = async (running: RunningService, action: string) =>
    (await running.service.request('agent-a', { action_description: action, action_details: {} })).pause_id;
  const setAway = async (client: DashboardClient, form: Record<string, string>) => {
    const res = await client.post('/dashboard/away', { csrf: await client.csrf(), until, ...form });
    return { status: res.status, page: await res.text() };
  };
  const decide = async (client: DashboardClient, id: string) =>
    client.post(`/dashboard/pauses/${id}/decide`, { csrf: await client.csrf(), decision: 'approved', comment: '' });

  it('the Away page refuses oneself, the past, a loop and someone else’s absence, saying why', async () => {
    const sarah = await signedIn(a, SARAH);
    const bob = await signedIn(b, BOB);
    expect(await setAway(sarah, { delegate: SARAH })).toMatchObject({
      status: 400,
      page: expect.stringContaining('delegate: cannot be the person who is away'),
    });
    expect(await setAway(sarah, { delegate: BOB, until: '2020-01-01T00:00' })).toMatchObject({
      status: 400,
      page: expect.stringContaining('until: is in the past'),
    });
    expect(await setAway(bob, { absent: SARAH, delegate: BOB })).toMatchObject({ status: 403 });
    expect(await setAway(sarah, { delegate: BOB })).toMatchObject({ status: 201 });
    // On the other replica: Bob sees he decides for Sarah, and cannot go away to her (a loop).
    expect((await (await bob.get('/dashboard/away')).text()).replaceAll(/\s+/g, ' ')).toContain('You decide for');
    expect(await setAway(bob, { delegate: SARAH })).toMatchObject({
      status: 400,
      page: expect.stringContaining('no chains or loops'),
    });
    const admin = await signedIn(a, 'admin@acme.com');
    const list = await (await admin.get('/dashboard/away')).text();
    expect(list).toContain('Everyone away');
    expect(list).toContain(SARAH);
    const ended = await admin.post('/dashboard/away/end', { csrf: await admin.csrf(), absent: SARAH });
    expect(ended.status).toBe(200);
    expect(await b.service.delegations()).toEqual([]);
  });

  it('a delegation set on one replica: the delegate sees, and decides on the other, by dashboard and by e-mail', async () => {
    const sarah = await signedIn(a, SARAH);
    expect((await setAway(sarah, { delegate: BOB })).status).toBe(201);
    const bob = await signedIn(b, BOB);

    const web = await request(a, 'Pay invoice 1');
    const waiting = await (await bob.get('/dashboard/waiting')).text();
    expect(waiting).toContain('Pay invoice 1');
    const page = await (await bob.get(`/dashboard/pauses/${web}`)).text();
    expect(page).toContain(`${SARAH} is away until`);
    expect(page).toContain(`${BOB} decides for them`);
    expect((await decide(bob, web)).status).toBe(303);
    const counted = await b.service.get(web);
    expect(counted?.votes?.[0]).toMatchObject({ responder: BOB, channel: 'web', on_behalf_of: SARAH });

    // By e-mail: the request goes to Bob, who is no approver but decides for Sarah.
    const mailed = await request(b, 'Refund order 9');
    const [mail] = await smtp.waitFor({
      match: (m) => (m.text ?? '').includes(mailed) || (m.subject ?? '').includes('Refund order 9'),
    });
    expect(mail?.text).toContain(`${SARAH} is away until`);
    const link = /https?:\/\/\S+\/decide\/[A-Za-z0-9_-]+/.exec(mail?.text ?? '')?.[0];
    if (!link) throw new Error('no decision link in the mail');
    const form = await (await fetch(link)).text();
    const posted = await postDecision(link, { form_key: formKeyIn(form), decision: 'approved', comment: '' });
    expect(posted.status).toBeLessThan(400);
    const decided = await eventually(async () => {
      const p = await a.service.get(mailed);
      return p?.status === 'responded' ? p : undefined;
    });
    expect(decided.response?.approvals).toEqual([
      expect.objectContaining({ responder: BOB, channel: 'email', on_behalf_of: SARAH }),
    ]);
    await a.service.endDelegation(SARAH, SARAH);
  });

  it('the away approver and the delegate voting at once on the two replicas: one counts', async () => {
    const sarah = await signedIn(a, SARAH);
    const bob = await signedIn(b, BOB);
    expect((await setAway(sarah, { delegate: BOB })).status).toBe(201);
    for (let round = 0; round < 5; round++) {
      const id = await request(a, `Pay invoice race ${round}`);
      const [x, y] = await Promise.all([decide(sarah, id), decide(bob, id)]);
      // One vote counts (303); the other is told so: whichever is second has already voted, the
      // two of them counting once (409).
      if (x.status === 303) expect(y.status).toBe(409);
      else expect([x.status, y.status]).toEqual([409, 303]);
      const pause = await a.service.get(id);
      expect(pause?.status).toBe('pending');
      expect(pause?.votes).toHaveLength(1);
    }
    await a.service.endDelegation(SARAH, SARAH);
  });

  it('a window ending while a request waits: the delegate may no longer decide it', async () => {
    const soon = new Date(Date.now() + 1_500).toISOString();
    await a.service.delegate({ absent: SARAH, delegate: BOB, until: soon }, SARAH);
    const id = await request(a, 'Refund order 10');
    const bob = await signedIn(b, BOB);
    expect(await (await bob.get(`/dashboard/pauses/${id}`)).text()).toContain(`${SARAH} is away until`);
    await eventually(async () => ((await b.service.delegations()).length === 0 ? true : undefined), 10_000);
    const page = await (await bob.get(`/dashboard/pauses/${id}`)).text();
    expect(page).not.toContain('is away until');
    // No longer his to decide, so no longer his to see: the request is not found for him.
    expect((await decide(bob, id)).status).toBe(404);
    expect((await a.service.get(id))?.status).toBe('pending');
  });
});

describe('delegation across two replicas (Slack)', () => {
  const SLACK_POLICY = `
delegation: any
rules:
  - name: refunds
    when: { action: "Refund *" }
    route: { slack: "#finance-approvals" }
    approvers: [${SARAH}]
  - name: payments
    when: { action: "Pay *" }
    route: { slack: "#finance-approvals" }
    approvers: [${SARAH}, ${CY}]
    quorum: 2
`;
  const FINANCE = channelIdFor('#finance-approvals');
  const U_SARAH = 'U0SARAH001';
  const U_BOB = 'U0BOB00001';
  let redis: TestRedis;
  let fake: FakeSlack;
  let a: SlackService;
  let b: SlackService;
  let dir: string;
  const until = new Date(Date.now() + 86_400_000).toISOString();

  beforeAll(async () => {
    dir = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'delegation-slack-replicas-'));
    writeFileSync(join(dir, 'policy.yaml'), SLACK_POLICY);
    [redis, fake] = await Promise.all([startRedis(), new FakeSlack().start()]);
    fake.members.set(FINANCE, [U_SARAH, U_BOB]);
    fake.emails.set(U_SARAH, SARAH);
    fake.emails.set(U_BOB, BOB);
    const env = {
      REDIS_URL: redis.url,
      LOOPPAUSE_REDIS_PREFIX: randomPrefix(),
      LOOPPAUSE_POLICY_FILE: join(dir, 'policy.yaml'),
    };
    a = await startSlackService(fake, env);
    b = await startSlackService(fake, env);
  }, 60_000);
  afterAll(async () => {
    await a?.running.close();
    await b?.running.close();
    await fake?.close();
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const posted = (svc: SlackService, id: string) =>
    eventually(async () =>
      (await svc.running.service.get(id))?.delivery.slack?.state === 'posted' ? true : undefined,
    );

  it('away set in Slack on one replica; the delegate’s click on the other decides for the away approver', async () => {
    const { answer } = await slackUsers(fake, a.running.url).command(`away <@${U_BOB}> until ${until}`, U_SARAH);
    expect(shownText(answer)).toContain('You are away until');
    const { pause_id } = await a.running.service.request('agent-a', {
      action_description: 'Refund 5',
      action_details: {},
    });
    await posted(a, pause_id);
    await slackUsers(fake, b.running.url).click(ActionId.approve, pause_id, U_BOB, { channel: FINANCE });
    const decided = await eventually(async () => {
      const p = await a.running.service.get(pause_id);
      return p?.status === 'responded' ? p : undefined;
    }, 15_000);
    expect(decided.response?.approvals).toEqual([
      expect.objectContaining({ responder: BOB, channel: 'slack', on_behalf_of: SARAH }),
    ]);
  });

  it('the delegate clicking after the away approver voted is told it was already voted, not that they are no approver', async () => {
    const { pause_id } = await a.running.service.request('agent-a', {
      action_description: 'Pay late',
      action_details: {},
    });
    await posted(a, pause_id);
    const from = fake.calls.length;
    await slackUsers(fake, a.running.url).click(ActionId.approve, pause_id, U_SARAH, { channel: FINANCE });
    await fake.waitFor(
      (c) =>
        c.method === 'chat.postEphemeral' && /is counted/.test(String(c.body.text)) && fake.calls.indexOf(c) >= from,
    );
    await slackUsers(fake, b.running.url).click(ActionId.approve, pause_id, U_BOB, { channel: FINANCE });
    const told = await fake.waitFor(
      (c) =>
        c.method === 'chat.postEphemeral' && fake.calls.indexOf(c) >= from && !/is counted/.test(String(c.body.text)),
    );
    expect(String(told[0]?.body.text)).toMatch(/already voted/);
    expect((await b.running.service.get(pause_id))?.votes).toHaveLength(1);
  });

  it('the away approver and the delegate clicking at once on the two replicas: one counts', async () => {
    for (let round = 0; round < 3; round++) {
      const { pause_id } = await a.running.service.request('agent-a', {
        action_description: `Pay ${round}`,
        action_details: {},
      });
      await posted(a, pause_id);
      const from = fake.calls.length;
      await Promise.all([
        slackUsers(fake, a.running.url).click(ActionId.approve, pause_id, U_SARAH, { channel: FINANCE }),
        slackUsers(fake, b.running.url).click(ActionId.approve, pause_id, U_BOB, { channel: FINANCE }),
      ]);
      // Both clicks answered: one counted, the other told it already voted.
      await fake.waitFor(
        (c) =>
          c.method === 'chat.postEphemeral' &&
          /already voted/.test(String(c.body.text)) &&
          fake.calls.indexOf(c) >= from,
        { timeoutMs: 15_000 },
      );
      const pause = await eventually(async () => {
        const p = await b.running.service.get(pause_id);
        return p && (p.votes?.length ?? 0) >= 1 ? p : undefined;
      });
      expect(pause.status).toBe('pending');
      expect(pause.votes).toHaveLength(1);
    }
  });
});
