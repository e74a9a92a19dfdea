import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActionId } from '../../src/slack/ids.js';
import type { RedisStore } from '../../src/store/redis-store.js';
import { eventually } from '../helpers/eventually.js';
import { channelIdFor, type FakeSlack, type SlackCall } from '../helpers/fake-slack.js';
import { type ReplicaCluster, startReplicaCluster } from '../helpers/replica-cluster.js';
import { TEST_API_KEY } from '../helpers/service.js';
import { slackUsers } from '../helpers/slack.js';
import type { TestSmtp } from '../helpers/smtp.js';

/**
 * Policy timers across replicas: reminders and escalation are jobs in the store with their run
 * times, so each fires once whichever of three replica processes runs it — also when the replica
 * that created the pause (and so scheduled them) is killed at once — and none fires after the
 * pause ended. Observed where a human would see them: the fake Slack API's recorded calls.
 */

const CHANNEL = '#timers';
const LEADS = '#leads';
const ADA = { slack: 'U0ADA0001', email: 'ada@example.com' };
const BOB = { slack: 'U0BOB0001', email: 'bob@example.com' };
const CY = 'U0CY00001';
const LEAD = { slack: 'U0LEAD001', email: 'lead@example.com' };
// Short steps (seconds) to see them fire; longer ones for the pause that ends before its steps.
const POLICY = `
rules:
  - name: short
    when: { action: "Short *" }
    route: { slack: "${CHANNEL}" }
    approvers: [${ADA.email}, ${BOB.email}, ${CY}]
    quorum: 2
    timeout_hours: 1
    remind_after: [3, 7]
    escalate: [{ after: 5, route: { slack: "${LEADS}" }, approvers: [${LEAD.email}] }]
  - name: mail
    when: { action: "Mail *" }
    route: { email: ops@example.com }
    approvers: [ops@example.com, ${ADA.email}]
    quorum: 2
    timeout_hours: 1
    remind_after: [3]
    escalate: [{ after: 4, route: { email: ${LEAD.email} }, approvers: [${LEAD.email}] }]
  - name: ended
    when: { action: "Ended *" }
    route: { slack: "${CHANNEL}" }
    approvers: [${ADA.email}, ${BOB.email}, ${CY}]
    quorum: 2
    timeout_hours: 1
    remind_after: [8]
    escalate: [{ after: 9, route: { slack: "${LEADS}" }, approvers: [${LEAD.email}] }]
`;

describe('reminders and escalation across three replica processes on one Redis', () => {
  let cluster: ReplicaCluster;
  let fake: FakeSlack;
  let store: RedisStore;
  let smtp: TestSmtp;

  beforeAll(async () => {
    // A killed replica's leased jobs are taken over after LOOPPAUSE_JOB_LEASE_SECONDS.
    cluster = await startReplicaCluster({ policy: POLICY, smtp: true, env: { LOOPPAUSE_JOB_LEASE_SECONDS: '2' } });
    ({ fake, store } = cluster);
    smtp = cluster.smtp as TestSmtp;
    fake.members.set(channelIdFor(CHANNEL), [ADA.slack, BOB.slack, CY]);
    fake.members.set(channelIdFor(LEADS), [LEAD.slack]);
    for (const h of [ADA, BOB, LEAD]) fake.emails.set(h.slack, h.email);
  }, 120_000);
  afterAll(() => cluster?.close());

  const at = (i: number) => cluster.at(i);
  const create = async (i: number, action: string) => {
    const res = await fetch(`${at(i).url}/v1/pauses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}` },
      body: JSON.stringify({ action_description: action, action_details: { invoice: 'INV-7' } }),
    });
    expect(res.status).toBe(201);
    const { pause_id } = (await res.json()) as { pause_id: string };
    return { pauseId: pause_id, createdAt: Date.now() };
  };
  /** The request message as a replica recorded it on the pause. */
  const posted = (pauseId: string) =>
    eventually(async () => {
      const slack = (await store.getPause(pauseId))?.delivery.slack;
      return slack?.state === 'posted' && slack.ts ? { channel: slack.channel as string, ts: slack.ts } : undefined;
    }, 30_000);
  const threadReplies = (ts: string) => (c: SlackCall) =>
    c.method === 'chat.postMessage' && c.body.thread_ts === ts && String(c.body.text).includes('Reminder');
  const escalations = (pauseId: string) => (c: SlackCall) =>
    c.method === 'chat.postMessage' && c.body.channel === LEADS && JSON.stringify(c.body).includes(pauseId);
  const escalatedUpdates = (ts: string) => (c: SlackCall) =>
    c.method === 'chat.update' && c.body.ts === ts && JSON.stringify(c.body).includes('Escalated');

  it('a pause that ended fires no reminder and no escalation', async () => {
    const { pauseId } = await create(0, 'Ended transfer');
    const message = await posted(pauseId);
    const users = [1, 2].map((i) => slackUsers(fake, at(i).url));
    await users[0]?.click(ActionId.approve, pauseId, ADA.slack, { channel: message.channel });
    await users[1]?.click(ActionId.approve, pauseId, BOB.slack, { channel: message.channel });
    await eventually(async () => ((await store.getPause(pauseId))?.status === 'responded' ? true : undefined), 15_000);
    const ended = await store.getPause(pauseId);
    // The votes ended it before its first step: otherwise this test proves nothing.
    expect(Date.parse(ended?.ended_at ?? '')).toBeLessThan(Date.parse(ended?.created_at ?? '') + 8000);
    // Its steps went with it: once no replica has anything due or running, nothing at all is left
    // scheduled (this is the cluster's only pause so far), so no reminder or escalation can still fire.
    await cluster.settled();
    expect(await store.nextWakeAt()).toBeNull();
    expect(fake.calls.filter(threadReplies(message.ts))).toHaveLength(0);
    expect(fake.calls.filter(escalations(pauseId))).toHaveLength(0);
  }, 60_000);

  it('each reminder and the escalation fire once, though the replica that scheduled them was killed at once', async () => {
    const { pauseId } = await create(0, 'Short transfer');
    const { pauseId: mailed } = await create(0, 'Mail transfer');
    await at(0).kill();
    const alive = [1, 2];
    const message = await posted(pauseId);
    // Ada approves (on replica 3): the reminders name only those who have not voted.
    await slackUsers(fake, at(2).url).click(ActionId.approve, pauseId, ADA.slack, { channel: message.channel });
    const adaVoted = await eventually(async () => (await store.getPause(pauseId))?.votes?.[0]?.responded_at, 15_000);

    const reminders = await fake.waitFor(threadReplies(message.ts), { count: 2, timeoutMs: 40_000 });
    const [escalation] = await fake.waitFor(escalations(pauseId), { timeoutMs: 40_000 });
    await fake.waitFor(escalatedUpdates(message.ts), { timeoutMs: 20_000 });
    // Every step has fired; once nothing is due or running on any replica, a duplicate would have shown.
    await cluster.settled();
    expect(fake.calls.filter(threadReplies(message.ts))).toHaveLength(2);
    expect(fake.calls.filter(escalations(pauseId))).toHaveLength(1);
    for (const reminder of reminders) {
      const text = String(reminder.body.text);
      expect(reminder.body.channel).toBe(message.channel);
      expect(text).toContain(`<@${BOB.slack}>`);
      expect(text).toContain(`<@${CY}>`);
      // On a loaded machine the first reminder may come before Ada's vote; after it, she is not named.
      if (reminder.at > Date.parse(adaVoted)) {
        expect(text).toContain('1 of 2');
        expect(text).not.toContain(ADA.slack);
        expect(text).not.toContain(ADA.email);
      }
    }
    // The later reminder comes after the escalation's time: the lead, now an approver, is named too.
    expect(String(reminders[1]?.body.text)).toContain(`<@${LEAD.slack}>`);
    expect(JSON.stringify(escalation?.body.blocks)).toContain(pauseId);

    // The lead decides from the escalation, on a surviving replica: the pause ends, and nothing more fires.
    const leadsChannel = channelIdFor(LEADS);
    await slackUsers(fake, at(alive[0] as number).url).click(ActionId.approve, pauseId, LEAD.slack, {
      channel: leadsChannel,
    });
    const view = await eventually(async () => {
      const pause = await store.getPause(pauseId);
      return pause?.status === 'responded' ? pause : undefined;
    }, 15_000);
    expect(view.response?.approvals?.map((a) => a.responder)).toEqual([ADA.email, LEAD.email]);

    // By e-mail: the request, one reminder in its thread to the recipient, one escalation to the lead.
    const to = (address: string) => (m: { to?: unknown; text?: string }) =>
      JSON.stringify(m.to ?? '').includes(address) && (m.text ?? '').includes(mailed);
    await smtp.waitFor({ match: to('ops@example.com'), count: 2, timeoutMs: 30_000 });
    await smtp.waitFor({ match: to(LEAD.email), timeoutMs: 30_000 });
    await cluster.settled();
    const [request, reminder, ...more] = smtp.mails.filter(to('ops@example.com'));
    expect(more).toHaveLength(0);
    expect(request?.messageId).toBeDefined();
    expect(reminder?.inReplyTo).toBe(request?.messageId);
    expect(smtp.mails.filter(to(LEAD.email))).toHaveLength(1);
  }, 120_000);
});
