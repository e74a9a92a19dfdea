import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pause } from '../../src/domain/pause.js';
import { verifyDecision } from '../../src/domain/signing.js';
import { ActionId } from '../../src/slack/ids.js';
import { parseAway } from '../../src/slack/listeners/commands/away.js';
import { eventually } from '../helpers/eventually.js';
import { channelIdFor, FakeSlack } from '../helpers/fake-slack.js';
import { TEST_SIGNING_SECRET } from '../helpers/service.js';
import { type SlackService, type SlackUsers, shownText, slackUsers, startSlackService } from '../helpers/slack.js';

/**
 * Away and delegate in Slack, end to end: `/looppause away @D until …` and `/looppause back` from
 * signed commands, the delegate's click deciding in the away approver's place (the service with a
 * policy file, the Slack surface against the fake Slack Web API).
 */
const POLICY = `
groups:
  finance: [sarah@acme.com, tom@acme.com]
rules:
  - name: refunds
    when: { action: "Refund *" }
    route: { slack: "#finance-approvals" }
    approvers: [sarah@acme.com]
    delegation: any
  - name: reminded
    when: { action: "Remind *" }
    route: { slack: "#finance-approvals" }
    approvers: [sarah@acme.com]
    delegation: any
    remind_after: [1s]
  - name: payments
    when: { action: "Transfer *" }
    route: { slack: "#finance-approvals" }
    approvers: [group:finance]
`;

const FINANCE = channelIdFor('#finance-approvals');
const SARAH = 'U0SARAH001';
const BOB = 'U0BOB00001';
const TOM = 'U0TOM00001';
const EVE = 'U0EVE00001';
const FUTURE = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);

describe('Slack: /looppause away and back (policy file, fake Slack)', () => {
  let dir: string;
  let fake: FakeSlack;
  let svc: SlackService;
  let users: SlackUsers;

  beforeAll(async () => {
    dir = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'slack-away-'));
    writeFileSync(join(dir, 'policy.yaml'), POLICY);
    fake = await new FakeSlack().start();
    fake.members.set(FINANCE, [SARAH, BOB, TOM, EVE]);
    fake.emails.set(SARAH, 'sarah@acme.com');
    fake.emails.set(BOB, 'bob@acme.com');
    fake.emails.set(TOM, 'tom@acme.com');
    fake.emails.set(EVE, 'eve@acme.com');
    svc = await startSlackService(fake, { LOOPPAUSE_POLICY_FILE: join(dir, 'policy.yaml') });
    users = slackUsers(fake, svc.running.url);
  }, 30_000);
  afterAll(async () => {
    await svc?.running.close();
    await fake?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const say = async (text: string, userId: string) => shownText((await users.command(text, userId)).answer);
  const load = async (id: string): Promise<Pause> => {
    const pause = await svc.running.service.get(id);
    if (!pause) throw new Error('gone');
    return pause;
  };
  const request = async (action: string) =>
    (await svc.running.service.request('agent-a', { action_description: action, action_details: {} })).pause_id;
  const posted = (id: string) =>
    eventually(async () => ((await load(id)).delivery.slack?.state === 'posted' ? true : undefined));
  const clickReply = async (userId: string, pauseId: string): Promise<string> => {
    const from = fake.calls.length;
    await users.click(ActionId.approve, pauseId, userId, { channel: FINANCE });
    const [reply] = await fake.waitFor(
      (c) => fake.calls.indexOf(c) >= from && c.method === 'chat.postEphemeral' && c.body.user === userId,
      { timeoutMs: 15_000 },
    );
    return String(reply?.body.text);
  };

  it('refuses, saying why: a bad form, oneself, the past, what the policy does not allow, a loop', async () => {
    expect(await say('away', SARAH)).toContain('Usage');
    expect(await say(`away bob until ${FUTURE}`, SARAH)).toContain('Slack mention');
    expect(await say(`away <@${SARAH}> until ${FUTURE}`, SARAH)).toContain('cannot delegate to yourself');
    expect(await say(`away <@${BOB}|bob> until 2020-01-01`, SARAH)).toContain('until: is in the past');
    expect(await say(`away <@${BOB}> until friday`, SARAH)).toContain('until: must be an ISO 8601 time');
    // Tom is named only by "payments" (within_group): Eve is no approver there.
    expect(await say(`away <@${EVE}> until ${FUTURE}`, TOM)).toContain('within_group');
    expect(await say(`away <@${TOM}> until ${FUTURE}`, SARAH)).toContain('You are away until');
    expect(await say(`away <@${SARAH}> until ${FUTURE}`, TOM)).toContain('no chains or loops');
    expect(await say('back', SARAH)).toContain('no longer decides for you');
    expect(await say('back', SARAH)).toContain('You were not away');
  });

  it('the delegate decides in the away approver’s place; after back they no longer may', async () => {
    expect(await say(`away <@${BOB}> until ${FUTURE}`, SARAH)).toContain(`<@${BOB}> receives your requests`);
    const id = await request('Refund order 7');
    await posted(id);
    const { res } = await users.click(ActionId.approve, id, BOB, { channel: FINANCE });
    expect(res.status).toBe(200);
    const pause = await eventually(async () => {
      const p = await load(id);
      return p.status === 'responded' ? p : undefined;
    }, 15_000);
    expect(pause.response?.approvals).toEqual([
      expect.objectContaining({ responder: 'bob@acme.com', channel: 'slack', on_behalf_of: 'sarah@acme.com' }),
    ]);
    expect(verifyDecision(TEST_SIGNING_SECRET, pause.response, { pause_id: id })).toEqual({ ok: true });

    expect(await say('back', SARAH)).toContain('Welcome back');
    const next = await request('Refund order 8');
    await posted(next);
    expect(await clickReply(BOB, next)).toMatch(/approver/i);
    expect((await load(next)).status).toBe('pending');
  });
});

describe('Slack: the delegate is named on the request and in its reminder', () => {
  let dir: string;
  let fake: FakeSlack;
  let svc: SlackService;
  let users: SlackUsers;

  beforeAll(async () => {
    dir = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'slack-away-remind-'));
    writeFileSync(join(dir, 'policy.yaml'), POLICY);
    fake = await new FakeSlack().start();
    fake.members.set(FINANCE, [SARAH, BOB]);
    fake.emails.set(SARAH, 'sarah@acme.com');
    fake.emails.set(BOB, 'bob@acme.com');
    svc = await startSlackService(fake, { LOOPPAUSE_POLICY_FILE: join(dir, 'policy.yaml') });
    users = slackUsers(fake, svc.running.url);
  }, 30_000);
  afterAll(async () => {
    await svc?.running.close();
    await fake?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('"sarah@acme.com is away until … — bob@acme.com decides for them" on the message; the reminder mentions Bob', async () => {
    const { answer } = await users.command(`away <@${BOB}> until ${FUTURE}`, SARAH);
    expect(shownText(answer)).toContain('You are away until');
    const { pause_id } = await svc.running.service.request('agent-a', {
      action_description: 'Remind me',
      action_details: {},
    });
    const [post] = await fake.waitFor(
      (c) => c.method === 'chat.postMessage' && JSON.stringify(c.body).includes(pause_id),
    );
    expect(JSON.stringify(post?.body.blocks)).toContain('sarah@acme.com is away until');
    expect(JSON.stringify(post?.body.blocks)).toContain('bob@acme.com decides for them');
    const [reminder] = await fake.waitFor(
      (c) => c.method === 'chat.postMessage' && String(c.body.text ?? '').includes('Reminder'),
      { timeoutMs: 15_000 },
    );
    expect(String(reminder?.body.text)).toContain(`<@${BOB}>`);
    expect(String(reminder?.body.text)).toContain(`<@${SARAH}>`);
  });
});

describe('parseAway', () => {
  it('reads a mention with or without a label, and a date as 00:00 UTC', () => {
    expect(parseAway(`<@${BOB}|bob> until 2026-12-24`)).toEqual({ delegate: BOB, until: '2026-12-24T00:00:00Z' });
    expect(parseAway(`<@${BOB}> UNTIL 2026-12-24T17:00:00Z`)).toEqual({ delegate: BOB, until: '2026-12-24T17:00:00Z' });
    expect(parseAway('<!channel> until 2026-12-24')).toHaveProperty('error');
    expect(parseAway(`<@${BOB}> until 2026-12-24 extra`)).toHaveProperty('error');
  });
});
