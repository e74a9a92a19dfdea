import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pause } from '../../src/domain/pause.js';
import { verifyDecision } from '../../src/domain/signing.js';
import { ActionId } from '../../src/slack/ids.js';
import { eventually } from '../helpers/eventually.js';
import { channelIdFor, FakeSlack, type SlackCall } from '../helpers/fake-slack.js';
import { OTHER_API_KEY, TEST_API_KEY, TEST_SIGNING_SECRET } from '../helpers/service.js';
import {
  actionIds,
  type SlackService,
  type SlackUsers,
  shownText,
  slackUsers,
  startSlackService,
} from '../helpers/slack.js';

/**
 * Multi-step approvals in Slack, end to end: the service with an operator policy file, the Slack
 * surface against the fake Slack Web API, signed requests from Slack users. `steps` has short
 * timers: a reminder after 2 s (and one after 8 s, which must never come: the pause has ended),
 * an escalation to #cfo-office after 4 s.
 */
const POLICY = `
rules:
  - name: steps
    when: { action: "Transfer *" }
    route: { slack: "#finance-approvals" }
    approvers: [U0SARAH001, U0TOM00001]
    quorum: 2
    timeout_hours: 1
    remind_after: [2s, 8s]
    escalate: [{ after: 4s, route: { slack: "#cfo-office" }, approvers: [U0CFO00001] }]
  - name: pair
    when: { action: "Pay *" }
    route: { slack: "#finance-approvals" }
    quorum: 2
    timeout_hours: 1
  - name: owned
    when: { action: "Own *" }
    route: { slack: "#finance-approvals" }
    owner_cannot_approve: true
    timeout_hours: 1
`;

const FINANCE = channelIdFor('#finance-approvals');
const CFO_OFFICE = channelIdFor('#cfo-office');

describe('Slack: quorum, reminders, escalation and maker-checker (policy file, fake Slack)', () => {
  let dir: string;
  let fake: FakeSlack;
  let svc: SlackService;
  let users: SlackUsers;

  beforeAll(async () => {
    dir = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'slack-steps-'));
    writeFileSync(join(dir, 'policy.yaml'), POLICY);
    fake = await new FakeSlack().start();
    fake.members.set(FINANCE, ['U0SARAH001', 'U0TOM00001', 'U0OWNER001', 'U0OWNMAIL1', 'U0ANN00001', 'U0BEN00001']);
    fake.members.set(CFO_OFFICE, ['U0CFO00001']);
    fake.emails.set('U0OWNMAIL1', 'owner@acme.com');
    fake.emails.set('U0ANN00001', 'ann@acme.com');
    // With a quorum, votes count by e-mail: these voters' e-mails are readable (users.info).
    for (const id of ['U0SARAH001', 'U0BEN00001', 'U0CFO00001', 'U0TOM00001', 'U0OUT00001', 'U0OWNER001']) {
      fake.emails.set(id, `${id.toLowerCase()}@acme.com`);
    }
    svc = await startSlackService(fake, {
      LOOPPAUSE_POLICY_FILE: join(dir, 'policy.yaml'),
      // agent-a's owner is known by Slack id, agent-b's by e-mail (read with users.info).
      LOOPPAUSE_API_KEYS: `agent-a:${TEST_API_KEY}:U0OWNER001,agent-b:${OTHER_API_KEY}:owner@acme.com`,
    });
    users = slackUsers(fake, svc.running.url);
  }, 30_000);
  afterAll(async () => {
    await svc?.running.close();
    await fake?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const request = async (action: string, agent = 'agent-a') =>
    (await svc.running.service.request(agent, { action_description: action, action_details: {} })).pause_id;
  const load = async (id: string): Promise<Pause> => {
    const pause = await svc.running.service.get(id);
    if (!pause) throw new Error('gone');
    return pause;
  };
  const postedTs = (id: string) =>
    eventually(async () => {
      const slack = (await load(id)).delivery.slack;
      return slack?.state === 'posted' ? (slack.ts as string) : undefined;
    });
  const updatesOf = (ts: string) => fake.calls.filter((c) => c.method === 'chat.update' && c.body.ts === ts);
  /** The next update of `ts` (from now on) whose text matches. */
  const updated = async (ts: string, text: string, from = fake.calls.length): Promise<SlackCall> => {
    const [call] = await fake.waitFor(
      (c) =>
        fake.calls.indexOf(c) >= from && c.method === 'chat.update' && c.body.ts === ts && shownText(c).includes(text),
      { timeoutMs: 15_000 },
    );
    return call as SlackCall;
  };
  /** A click, and the private answer it got. */
  const click = async (userId: string, pauseId: string, channel: string): Promise<string> => {
    const from = fake.calls.length;
    const { res } = await users.click(ActionId.approve, pauseId, userId, { channel });
    expect(res.status).toBe(200);
    const [reply] = await fake.waitFor(
      (c) => fake.calls.indexOf(c) >= from && c.method === 'chat.postEphemeral' && c.body.user === userId,
      { timeoutMs: 15_000 },
    );
    return String(reply?.body.text);
  };
  const clickToDecide = async (userId: string, pauseId: string, channel: string) => {
    const { res } = await users.click(ActionId.approve, pauseId, userId, { channel });
    expect(res.status).toBe(200);
    return eventually(async () => {
      const pause = await load(pauseId);
      return pause.status === 'responded' ? pause : undefined;
    }, 15_000);
  };

  it('quorum 2: the same human twice counts once; a second human decides; the message ends without buttons', async () => {
    const id = await request('Pay the supplier invoice');
    const ts = await postedTs(id);
    const from = fake.calls.length;
    expect(await click('U0ANN00001', id, FINANCE)).toContain('Your approval is counted: 1 of 2 approvals');
    const progress = await updated(ts, '1 of 2 approvals', from);
    expect(shownText(progress)).toContain('*1 of 2 approvals* — <@U0ANN00001> ✓');
    expect(actionIds(progress.body.blocks)).toContain(ActionId.approve);

    expect(await click('U0ANN00001', id, FINANCE)).toContain(
      'You already voted on this request (1 of 2 approvals so far)',
    );
    expect((await load(id)).status).toBe('pending');
    // The /looppause list shows the progress too.
    const { answer } = await users.command('', 'U0BEN00001');
    expect(shownText(answer)).toContain('1 of 2 approvals');

    const pause = await clickToDecide('U0BEN00001', id, FINANCE);
    expect(pause.response?.approvals?.map((a) => a.responder)).toEqual(['ann@acme.com', 'u0ben00001@acme.com']);
    const final = await updated(ts, 'Approved', from);
    expect(actionIds(final.body.blocks)).toEqual([]);
    expect(shownText(final)).toContain('2 of 2 approvals');
    // Only the one counted vote and the end touched the message.
    await svc.running.runner.tick();
    expect(updatesOf(ts)).toHaveLength(2);
  }, 60_000);

  it('maker-checker: the key owner is refused, by Slack id or by the e-mail Slack gives; someone else decides', async () => {
    const byId = await request('Own the release', 'agent-a');
    await postedTs(byId);
    expect(await click('U0OWNER001', byId, FINANCE)).toContain('You own the API key that asked for this');
    expect((await load(byId)).status).toBe('pending');
    expect((await clickToDecide('U0SARAH001', byId, FINANCE)).response?.responder).toBe('u0sarah001@acme.com');

    const byEmail = await request('Own the budget', 'agent-b');
    await postedTs(byEmail);
    const refused = await click('U0OWNMAIL1', byEmail, FINANCE);
    expect(refused).toContain('You own the API key that asked for this');
    expect(refused).toContain('policy rule "owned"');
    expect((await load(byEmail)).status).toBe('pending');
    expect((await clickToDecide('U0ANN00001', byEmail, FINANCE)).response?.responder).toBe('ann@acme.com');
  }, 60_000);

  it('reminds the non-voter in the thread, escalates to #cfo-office, a member there decides late; no reminder after the end', async () => {
    const id = await request('Transfer 9,000 EUR to ACME');
    const createdMs = Date.parse((await load(id)).created_at);
    const ts = await postedTs(id);
    const from = fake.calls.length;
    expect(await click('U0SARAH001', id, FINANCE)).toContain('1 of 2 approvals');
    await updated(ts, '<@U0SARAH001> ✓', from);
    // Before the escalation, the CFO (not in #finance-approvals) may not act.
    expect(await click('U0CFO00001', id, CFO_OFFICE)).toContain('only members of the channel');
    expect((await load(id)).status).toBe('pending');

    const beforeSteps = fake.calls.length;
    const [reminder] = await fake.waitFor((c) => c.method === 'chat.postMessage' && c.body.thread_ts === ts, {
      timeoutMs: 15_000,
    });
    const reminderText = String(reminder?.body.text);
    expect(reminder?.body.channel).toBe(FINANCE);
    expect(reminderText).toContain('<@U0TOM00001>');
    expect(reminderText).not.toContain('U0SARAH001');
    expect(reminderText).toContain('1 more approval');

    const [escalation] = await fake.waitFor(
      (c) => c.method === 'chat.postMessage' && c.body.channel === '#cfo-office' && shownText(c).includes(id),
      { timeoutMs: 15_000 },
    );
    expect(actionIds(escalation?.body.blocks)).toContain(ActionId.approve);
    const escalatedTs = await eventually(async () => (await load(id)).delivery.slack_escalate_0?.ts);
    const earlier = await updated(ts, 'Escalated to #cfo-office', beforeSteps);
    expect(actionIds(earlier.body.blocks)).toContain(ActionId.approve);

    // Still nobody outside both channels.
    expect(await click('U0OUT00001', id, CFO_OFFICE)).toContain('only members of the channel');
    const pause = await clickToDecide('U0CFO00001', id, CFO_OFFICE);
    expect(pause.response?.approvals?.map((a) => a.responder)).toEqual(['u0sarah001@acme.com', 'u0cfo00001@acme.com']);
    expect(verifyDecision(TEST_SIGNING_SECRET, pause.response, { pause_id: id }).ok).toBe(true);

    for (const where of [ts, escalatedTs]) {
      const final = await updated(where, 'Approved', beforeSteps);
      expect(actionIds(final.body.blocks)).toEqual([]);
    }

    // The second reminder (8 s) was dropped with the pause's other step jobs: wait past it.
    await new Promise((r) => setTimeout(r, Math.max(0, createdMs + 9_000 - Date.now())));
    await svc.running.runner.tick();
    expect(fake.calls.filter((c) => c.method === 'chat.postMessage' && c.body.thread_ts === ts)).toHaveLength(1);
    for (const where of [ts, escalatedTs]) expect(actionIds(updatesOf(where).at(-1)?.body.blocks)).toEqual([]);
  }, 60_000);
});
