import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ActionId, CallbackId, fieldBlockId } from '../../src/slack/ids.js';
import { eventually } from '../helpers/eventually.js';
import { channelIdFor, FakeSlack, type SlackCall } from '../helpers/fake-slack.js';
import { TEST_API_KEY } from '../helpers/service.js';
import { type SlackService, type SlackUsers, shownText, slackUsers, startSlackService } from '../helpers/slack.js';

/**
 * Who sees a request in Slack (/looppause, App Home) and may decide it there (clicks, modal
 * submissions): its approvers; else the members of its channel (conversations.members); else the
 * DM's recipient. Every request below is signed like Slack's, so a forged one is a valid one.
 */
describe('Slack: only the audience of a request sees and decides it', () => {
  const PRIVATE = 'G0PRIVATE1';
  let fake: FakeSlack;
  let svc: SlackService;
  let users: SlackUsers;

  beforeAll(async () => {
    fake = await new FakeSlack().start();
    fake.members.set(PRIVATE, ['U0ALICE', 'U0BOB']);
    svc = await startSlackService(fake);
    users = slackUsers(fake, svc.running.url);
  });
  afterAll(async () => {
    await svc?.running.close();
    await fake?.close();
  });
  beforeEach(() => fake.clearFailures());

  async function createPause(args: Record<string, unknown>): Promise<string> {
    const { pause_id } = await svc.running.service.request('agent-a', {
      action_description: 'Rotate the payroll signing key',
      action_details: { key: 'payroll-2026' },
      ...args,
    });
    await eventually(async () => ((await svc.running.service.get(pause_id))?.delivery.slack?.state ? true : undefined));
    return pause_id;
  }

  /** What the agent sees over REST. */
  async function agentStatus(pauseId: string): Promise<string> {
    const res = await fetch(`${svc.running.url}/v1/pauses/${pauseId}`, {
      headers: { authorization: `Bearer ${TEST_API_KEY}` },
    });
    return ((await res.json()) as { status: string }).status;
  }

  const decided = (pauseId: string) =>
    eventually(async () => {
      const pause = await svc.running.service.get(pauseId);
      return pause?.status === 'responded' ? pause : undefined;
    });
  const listedTo = async (userId: string) => shownText((await users.command('', userId)).answer);
  /** The next private reply to `userId` (ephemeral, or a DM when there is no channel). */
  const nextReplyTo = async (userId: string) => {
    const before = fake.calls.length;
    return async (): Promise<string> => {
      const reply = (c: SlackCall) =>
        fake.calls.indexOf(c) >= before &&
        ((c.method === 'chat.postEphemeral' && c.body.user === userId) ||
          (c.method === 'chat.postMessage' && c.body.channel === userId));
      const [call] = await fake.waitFor(reply);
      return String(call?.body.text);
    };
  };
  const modalsFor = (pauseId: string) =>
    fake.calls.filter((c) => c.method === 'views.open' && shownText(c).includes(pauseId));
  /** A view_submission Slack never showed this user: the pause id written into private_metadata. */
  const forgedSubmission = (pauseId: string, userId: string, values: Record<string, string> = {}) =>
    users.submitModal(
      {
        callback_id: CallbackId.decision,
        private_metadata: JSON.stringify({ pause_id: pauseId, decision: 'approved', channel: 'C0APPROVALS' }),
      },
      userId,
      values,
    );

  it('a private-channel request: a non-member sees nothing and cannot decide by click or forged modal; a member can', async () => {
    const pauseId = await createPause({ recipient_slack: PRIVATE });

    expect(await listedTo('U0MALLORY')).not.toContain(pauseId);
    expect(JSON.stringify((await users.openHome('U0MALLORY')).body.view)).not.toContain(pauseId);

    let reply = await nextReplyTo('U0MALLORY');
    await users.click(ActionId.approve, pauseId, 'U0MALLORY');
    expect(await reply()).toContain('only members of the channel');
    reply = await nextReplyTo('U0MALLORY');
    await users.click(ActionId.reject, pauseId, 'U0MALLORY');
    expect(await reply()).toContain('only members of the channel');
    expect(modalsFor(pauseId)).toEqual([]);

    reply = await nextReplyTo('U0MALLORY');
    expect((await forgedSubmission(pauseId, 'U0MALLORY')).status).toBe(200);
    expect(await reply()).toContain('only members of the channel');
    expect(await agentStatus(pauseId)).toBe('pending');

    expect(await listedTo('U0ALICE')).toContain(pauseId);
    expect(JSON.stringify((await users.openHome('U0BOB')).body.view)).toContain(pauseId);
    await users.click(ActionId.approve, pauseId, 'U0ALICE');
    expect((await decided(pauseId)).response?.responder).toBe('U0ALICE');
    expect(await agentStatus(pauseId)).toBe('responded');
  });

  it('a forged submission by a non-member learns nothing from the required-answer check', async () => {
    const pauseId = await createPause({
      recipient_slack: PRIVATE,
      response_fields: [{ name: 'secret_field_name', label: 'Ticket', required: true }],
    });
    const reply = await nextReplyTo('U0MALLORY');
    const res = await forgedSubmission(pauseId, 'U0MALLORY', { [fieldBlockId('other')]: 'x' });
    expect(await res.text()).not.toContain('secret_field_name');
    expect(await reply()).toContain('only members of the channel');
    expect(await agentStatus(pauseId)).toBe('pending');
  });

  it('a DM request: a forged submission by someone else is refused', async () => {
    const pauseId = await createPause({ recipient_slack: 'U0ALICE' });
    const reply = await nextReplyTo('U0MALLORY');
    await forgedSubmission(pauseId, 'U0MALLORY');
    expect(await reply()).toContain('not an approver');
    expect(await agentStatus(pauseId)).toBe('pending');
  });

  it('a #name request is checked against the channel it was posted to', async () => {
    const channel = channelIdFor('#payroll');
    fake.members.set(channel, ['U0CAROL']);
    const pauseId = await createPause({ recipient_slack: '#payroll' });
    expect(await listedTo('U0MALLORY')).not.toContain(pauseId);
    expect(await listedTo('U0CAROL')).toContain(pauseId);
    const reply = await nextReplyTo('U0MALLORY');
    await users.click(ActionId.approve, pauseId, 'U0MALLORY');
    expect(await reply()).toContain('only members of the channel');
    await users.click(ActionId.approve, pauseId, 'U0CAROL');
    expect((await decided(pauseId)).response?.responder).toBe('U0CAROL');
  });

  it('a #name request that never reached its channel is listed to nobody and decided by nobody in Slack', async () => {
    fake.members.set(channelIdFor('#gone'), ['U0CAROL']);
    fake.failWith('chat.postMessage', 'channel_not_found', 1);
    const pauseId = await createPause({ recipient_slack: '#gone' });
    expect(await listedTo('U0CAROL')).not.toContain(pauseId);
    const reply = await nextReplyTo('U0CAROL');
    await users.click(ActionId.approve, pauseId, 'U0CAROL');
    expect(await reply()).toContain('was not posted');
    expect(await agentStatus(pauseId)).toBe('pending');
  });

  describe('when the members cannot be read, nobody decides and nothing is listed', () => {
    it.each([
      ['missing_scope', () => fake.failWith('conversations.members', 'missing_scope'), 'channels:read'],
      // Slack names the scope the call needed: the admin is told which, and that the app must be reinstalled.
      [
        'missing_scope naming groups:read',
        () =>
          fake.failWith('conversations.members', 'missing_scope', Number.POSITIVE_INFINITY, { needed: 'groups:read' }),
        'lacks the groups:read permission in Slack: a Slack admin must add it to the app (manifest.json has it) and reinstall the app to the workspace',
      ],
      ['HTTP 500', () => fake.failHttp('conversations.members', 500), 'try again'],
      // A 429 fails the lookup at once: waiting out Retry-After would stall every Slack call and the modal's 3 s.
      ['HTTP 429 with Retry-After 600', () => fake.rateLimit('conversations.members', 600), 'try again'],
    ])('%s: refused with a clear message; retried on the next click', async (_, fail, hint) => {
      const channel = `C0UNREAD${Math.random().toString(36).slice(2, 8).toUpperCase()}`;
      fake.members.set(channel, ['U0ALICE']);
      const pauseId = await createPause({ recipient_slack: channel });
      fail();

      const reply = await nextReplyTo('U0ALICE');
      await users.click(ActionId.approve, pauseId, 'U0ALICE');
      const text = await reply();
      expect(text).toContain(`could not check that you are a member of <#${channel}>`);
      expect(text).toContain(hint);
      expect(await agentStatus(pauseId)).toBe('pending');
      const list = await listedTo('U0ALICE');
      expect(list).not.toContain(pauseId);
      expect(list).toContain('could not check channel membership');

      // The failure was not remembered as "not a member".
      fake.clearFailures();
      expect(await listedTo('U0ALICE')).toContain(pauseId);
      await users.click(ActionId.approve, pauseId, 'U0ALICE');
      expect((await decided(pauseId)).response?.responder).toBe('U0ALICE');
    });
  });

  it('a member on the second page of conversations.members is recognised', async () => {
    const members = Array.from({ length: 150 }, (_, i) => `U0P${String(i).padStart(4, '0')}`);
    fake.members.set('C0BIGROOM', members);
    const pauseId = await createPause({ recipient_slack: 'C0BIGROOM' });
    await users.click(ActionId.approve, pauseId, 'U0P0142');
    expect((await decided(pauseId)).response?.responder).toBe('U0P0142');
    const pages = fake.callsTo('conversations.members').filter((c) => c.body.channel === 'C0BIGROOM');
    expect(pages.length).toBeGreaterThanOrEqual(2);
    expect(pages[1]?.body.cursor).toEqual(expect.any(String));
  });

  it('one list reads each channel once, and a click right after uses that answer', async () => {
    fake.members.set('C0BATCH01', ['U0ALICE']);
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await createPause({ recipient_slack: 'C0BATCH01' }));
    const lookups = () => fake.callsTo('conversations.members').filter((c) => c.body.channel === 'C0BATCH01');
    const list = await listedTo('U0ALICE');
    for (const id of ids) expect(list).toContain(id);
    expect(lookups()).toHaveLength(1);
    await users.click(ActionId.approve, ids[0] as string, 'U0ALICE');
    await decided(ids[0] as string);
    expect(lookups()).toHaveLength(1);
  });

  it('approvers narrow the channel, never widen it: a member who is not one is refused, and so is an approver outside the channel', async () => {
    // An agent naming its own accomplice as approver must not reach past the channel it was allowed to use.
    const pauseId = await createPause({ recipient_slack: PRIVATE, approvers: ['U0OUTSIDER', 'U0ALICE'] });
    expect(await listedTo('U0BOB')).not.toContain(pauseId);
    const reply = await nextReplyTo('U0BOB');
    await users.click(ActionId.approve, pauseId, 'U0BOB');
    expect(await reply()).toContain('not an approver');

    expect(await listedTo('U0OUTSIDER')).not.toContain(pauseId);
    const outsiderReply = await nextReplyTo('U0OUTSIDER');
    await users.click(ActionId.approve, pauseId, 'U0OUTSIDER');
    expect(await outsiderReply()).toContain('member');
    expect(await agentStatus(pauseId)).toBe('pending');

    expect(await listedTo('U0ALICE')).toContain(pauseId);
    await users.click(ActionId.approve, pauseId, 'U0ALICE');
    expect((await decided(pauseId)).response?.responder).toBe('U0ALICE');
  });
});
