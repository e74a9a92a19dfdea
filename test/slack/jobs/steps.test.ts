import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { JobKind } from '../../../src/jobs/job-kinds.js';
import { slackEscalateJob } from '../../../src/slack/jobs/escalate.js';
import { pauseVotedJob } from '../../../src/slack/jobs/pause-voted.js';
import { slackRemindJob } from '../../../src/slack/jobs/remind.js';
import { pauseEndedJob } from '../../../src/slack/jobs/update-message.js';
import { channelIdFor, FakeSlack, type SlackCall } from '../../helpers/fake-slack.js';
import { actionIds, shownText } from '../../helpers/slack.js';
import { type JobWorld, jobWorld } from './world.js';

const HOUR = 3_600_000;

const POLICY = `
rules:
  - name: pay
    when: { action: "Transfer *" }
    route: { slack: "#pay" }
    approvers: [U0ADA00001, U0BOB00001, cfo@acme.com, ghost@acme.com]
    quorum: 2
    timeout_hours: 4
    remind_after: [30m, 90m]
    escalate:
      - { after: 1h, route: { slack: "#cfo-office" }, approvers: [U0CFO00001] }
      - { after: 2h, approvers: [boss@acme.com] }
  - name: open
    when: { action: "Open *" }
    route: { slack: "#pay" }
    quorum: 2
    timeout_hours: 4
    remind_after: [30m]
  - name: dm
    when: { action: "Sign *" }
    route: { slack: "#pay" }
    timeout_hours: 4
    escalate: [{ after: 1h, route: { slack: U0CFO00001 } }]
`;

const PAY = channelIdFor('#pay');
const CFO_OFFICE = channelIdFor('#cfo-office');

describe('Slack step jobs against the fake Slack Web API', () => {
  let fake: FakeSlack;
  let world: JobWorld;

  beforeAll(async () => {
    fake = await new FakeSlack().start();
  });
  afterAll(async () => {
    await fake?.close();
  });
  beforeEach(() => {
    fake.calls.length = 0;
    fake.clearFailures();
    fake.emails.clear();
    fake.emails.set('U0CFOMAIL1', 'cfo@acme.com');
    fake.emails.set('U0BOB00001', 'bob@acme.com');
    // With a quorum, votes count by e-mail: these voters' e-mails are readable (users.info).
    fake.emails.set('U0ADA00001', 'ada.slack@acme.com');
    fake.emails.set('U0CFO00001', 'cfo.slack@acme.com');
    fake.emails.set('U0OUTSIDE1', 'outside@acme.com');
    world = jobWorld(fake, POLICY);
  });

  const first = (pauseId: string) => {
    const post = fake
      .callsTo('chat.postMessage')
      .find((c) => shownText(c).includes(pauseId) && c.body.channel === '#pay');
    if (!post) throw new Error('not posted');
    return post;
  };
  const tsOf = async (pauseId: string) => (await world.service.get(pauseId))?.delivery.slack?.ts as string;
  const updatesOf = (ts: string) => fake.callsTo('chat.update').filter((c) => c.body.ts === ts);
  const lastUpdateOf = (ts: string): SlackCall => {
    const last = updatesOf(ts).at(-1);
    if (!last) throw new Error(`no update of ${ts}`);
    return last;
  };
  const replies = (ts: string) => fake.callsTo('chat.postMessage').filter((c) => c.body.thread_ts === ts);
  const run = {
    voted: (id: string) => pauseVotedJob(world.deps)(world.job(JobKind.pauseVoted, id)),
    ended: (id: string) => pauseEndedJob(world.deps)(world.job(JobKind.pauseEnded, id)),
    remind: (id: string, step = 0) => slackRemindJob(world.deps)(world.job(JobKind.slackRemind, id, step)),
    escalate: (id: string, step = 0) => slackEscalateJob(world.deps)(world.job(JobKind.slackEscalate, id, step)),
  };

  describe('pause.voted', () => {
    it('updates the request with the approvals so far, buttons still live, once per run', async () => {
      const id = await world.posted('Transfer 900 EUR');
      expect(shownText(first(id))).toContain('0 of 2 approvals');
      expect(await world.vote(id, 'U0ADA00001')).toBe('counted');
      await run.voted(id);
      const ts = await tsOf(id);
      expect(updatesOf(ts)).toHaveLength(1);
      const update = lastUpdateOf(ts);
      expect(update.body.channel).toBe(PAY);
      expect(shownText(update)).toContain('*1 of 2 approvals* — <@U0ADA00001> ✓');
      expect(actionIds(update.body.blocks)).toContain('looppause_approve');
    });

    it('a pause that ends while the progress is being shown ends up showing the outcome, not live buttons', async () => {
      const id = await world.posted('Transfer 900 EUR');
      await world.vote(id, 'U0ADA00001');
      // The pause ends (and its pause.ended job has run) between this job's read and its update landing.
      const real = world.deps.client;
      let first = true;
      const chat = {
        ...real.chat,
        update: async (args: Parameters<typeof real.chat.update>[0]) => {
          const answer = await real.chat.update(args);
          if (first) {
            first = false;
            await world.vote(id, 'U0BOB00001', 'rejected');
          }
          return answer;
        },
      };
      const client = new Proxy(real, { get: (target, key) => (key === 'chat' ? chat : Reflect.get(target, key)) });
      await pauseVotedJob({ ...world.deps, client })(world.job(JobKind.pauseVoted, id));
      const final = lastUpdateOf(await tsOf(id));
      expect(shownText(final)).toContain('Rejected');
      expect(actionIds(final.body.blocks)).toEqual([]);
    });

    it('a vote whose job runs after the pause ended leaves the outcome alone', async () => {
      const id = await world.posted('Transfer 5 EUR');
      await world.vote(id, 'U0ADA00001');
      expect(await world.vote(id, 'U0BOB00001', 'rejected')).toBe('decided');
      await run.voted(id);
      expect(updatesOf(await tsOf(id))).toHaveLength(0);
    });
  });

  describe('slack.remind', () => {
    it('mentions the approvers still to vote, in the request thread', async () => {
      const id = await world.posted('Transfer 900 EUR');
      await world.vote(id, 'U0ADA00001');
      world.clock.advance(HOUR / 2);
      await run.remind(id);
      const ts = await tsOf(id);
      const [reply, ...more] = replies(ts);
      expect(more).toHaveLength(0);
      expect(reply?.body.channel).toBe(PAY);
      const text = String(reply?.body.text);
      expect(text).toContain('1 more approval (1 of 2 so far)');
      expect(text).toContain('<@U0BOB00001>');
      expect(text).toContain('<@U0CFOMAIL1>'); // cfo@acme.com, found by users.lookupByEmail
      expect(text).toContain('ghost@acme.com'); // nobody in Slack has it: shown as text
      expect(text).not.toContain('U0ADA00001');
      expect(text).not.toContain('U0CFO00001'); // escalation approvers join only once it is due
      expect((await world.service.get(id))?.delivery.slack_remind_0).toMatchObject({ state: 'posted', channel: PAY });
    });

    it('a human who voted by e-mail is not reminded under their Slack id (a Slack id and its e-mail are one human)', async () => {
      world = jobWorld(fake, POLICY.replace('cfo@acme.com, ghost@acme.com', 'bob@acme.com'));
      const id = await world.posted('Transfer 900 EUR');
      const voted = await world.service.decide(id, {
        decision: 'approved',
        responder: 'bob@acme.com',
        channel: 'email',
        identities: ['bob@acme.com'],
      });
      expect(voted.outcome).toBe('counted');
      world.clock.advance(HOUR / 2);
      await run.remind(id);
      const text = String(replies(await tsOf(id))[0]?.body.text);
      expect(text).toContain('<@U0ADA00001>');
      expect(text).not.toContain('U0BOB00001');
      expect(text).not.toContain('bob@acme.com');
    });

    it('without approvers, says how many approvals are still needed', async () => {
      const id = await world.posted('Open the vault');
      await run.remind(id);
      const text = String(replies(await tsOf(id))[0]?.body.text);
      expect(text).toContain('still needs 2 more approvals (0 of 2 so far)');
      expect(text).not.toContain('<@');
    });

    it('posts once however often the job runs; a transient failure is retried, a final one recorded', async () => {
      const id = await world.posted('Transfer 900 EUR');
      fake.failHttp('chat.postMessage', 500, 1);
      await expect(run.remind(id)).rejects.toThrow();
      expect((await world.service.get(id))?.delivery.slack_remind_0).toBeUndefined();
      await run.remind(id);
      await run.remind(id);
      // The failed attempt, then one reply.
      expect(replies(await tsOf(id))).toHaveLength(2);
      fake.failWith('chat.postMessage', 'is_archived', 1);
      await run.remind(id, 1);
      expect((await world.service.get(id))?.delivery.slack_remind_1).toMatchObject({
        state: 'failed',
        error: 'is_archived',
      });
    });

    it('nothing once the pause ended, nothing when it was never posted', async () => {
      const id = await world.posted('Transfer 900 EUR');
      await world.vote(id, 'U0ADA00001', 'rejected');
      await run.remind(id);
      expect(replies(await tsOf(id))).toHaveLength(0);

      fake.failWith('chat.postMessage', 'channel_not_found', 1);
      const unposted = await world.posted('Transfer 1 EUR');
      expect((await world.service.get(unposted))?.delivery.slack?.state).toBe('failed');
      const before = fake.callsTo('chat.postMessage').length;
      await run.remind(unposted);
      expect(fake.callsTo('chat.postMessage')).toHaveLength(before);
    });
  });

  describe('slack.escalate', () => {
    it('posts the request with buttons to the step route, records it, and updates the first message', async () => {
      const id = await world.posted('Transfer 900 EUR');
      await world.vote(id, 'U0ADA00001');
      world.clock.advance(HOUR);
      await run.escalate(id);
      await run.escalate(id); // a retry after success posts nothing more
      const posts = fake.callsTo('chat.postMessage').filter((c) => c.body.channel === '#cfo-office');
      expect(posts).toHaveLength(1);
      expect(actionIds(posts[0]?.body.blocks)).toContain('looppause_approve');
      expect(shownText(posts[0] as SlackCall)).toContain('1 of 2 approvals');
      const escalation = (await world.service.get(id))?.delivery.slack_escalate_0;
      expect(escalation).toMatchObject({ state: 'posted', channel: CFO_OFFICE });
      const firstUpdate = lastUpdateOf(await tsOf(id));
      expect(shownText(firstUpdate)).toContain('Escalated to #cfo-office');
      expect(actionIds(firstUpdate.body.blocks)).toContain('looppause_approve');
      // Later votes update both messages.
      await world.vote(id, 'U0CFO00001', 'approved'); // an escalation approver, now due
      expect((await world.service.get(id))?.status).toBe('responded');
      await run.ended(id);
      for (const ts of [await tsOf(id), escalation?.ts as string]) {
        const final = lastUpdateOf(ts);
        expect(shownText(final)).toContain('Approved');
        expect(actionIds(final.body.blocks)).toEqual([]);
      }
    });

    it('a step without a Slack route still tells the earlier messages', async () => {
      const id = await world.posted('Transfer 900 EUR');
      world.clock.advance(2 * HOUR);
      await run.escalate(id, 1);
      expect(fake.callsTo('chat.postMessage').filter((c) => c.body.channel !== '#pay')).toHaveLength(0);
      expect(shownText(lastUpdateOf(await tsOf(id)))).toContain('Escalated: more approvers may decide');
    });

    it('does nothing for a pause that ended', async () => {
      const id = await world.posted('Transfer 900 EUR');
      await world.vote(id, 'U0ADA00001', 'rejected');
      world.clock.advance(HOUR);
      await run.escalate(id);
      expect(fake.callsTo('chat.postMessage').filter((c) => c.body.channel === '#cfo-office')).toHaveLength(0);
      expect(updatesOf(await tsOf(id))).toHaveLength(0);
    });
  });

  describe('who may decide once escalated (SlackAudience)', () => {
    beforeEach(() => {
      fake.members.set(PAY, ['U0ADA00001', 'U0BOB00001']);
      fake.members.set(CFO_OFFICE, ['U0CFO00001', 'U0ADA00001']);
    });

    it('a member of the escalation channel may act once escalated, not before; others never', async () => {
      const id = await world.posted('Transfer 900 EUR');
      const load = async () => {
        const pause = await world.service.get(id);
        if (!pause) throw new Error('gone');
        return pause;
      };
      const verdict = async (user: string) => world.deps.audience.verdict(await load(), user);
      expect(await verdict('U0CFO00001')).toMatchObject({ allowed: false, why: 'not_member' });
      world.clock.advance(HOUR);
      // Due, but not posted there yet: membership of #cfo-office is not looked up by name.
      expect(await verdict('U0CFO00001')).toMatchObject({ allowed: false });
      await run.escalate(id);
      expect(await verdict('U0CFO00001')).toEqual({ allowed: true });
      expect(await verdict('U0OUTSIDE1')).toMatchObject({ allowed: false, why: 'not_member' });
      expect(await verdict('U0ADA00001')).toEqual({ allowed: true });
      const seen = await world.deps.audience.visible([await load()], 'U0CFO00001');
      expect(seen.visible.map((p) => p.pause_id)).toEqual([id]);
    });

    it('an escalation by DM: its recipient may act once the step is due, not before', async () => {
      const id = await world.posted('Sign the contract');
      const verdict = async (user: string) => {
        const pause = await world.service.get(id);
        if (!pause) throw new Error('gone');
        return world.deps.audience.verdict(pause, user);
      };
      expect((await verdict('U0CFO00001')).allowed).toBe(false);
      world.clock.advance(HOUR - 1);
      expect((await verdict('U0CFO00001')).allowed).toBe(false);
      world.clock.advance(1);
      expect(await verdict('U0CFO00001')).toEqual({ allowed: true });
      expect((await verdict('U0OUTSIDE1')).allowed).toBe(false);
    });
  });
});
