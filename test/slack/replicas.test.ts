import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActionId } from '../../src/slack/ids.js';
import { eventually } from '../helpers/eventually.js';
import { channelIdFor, FakeSlack, type SlackCall } from '../helpers/fake-slack.js';
import { randomPrefix, startRedis, type TestRedis } from '../helpers/redis-server.js';
import { type SlackService, startSlackService } from '../helpers/slack.js';
import { sendClick } from '../helpers/slack-requests.js';

describe('Slack on two replicas sharing one Redis', () => {
  let redis: TestRedis;
  let fake: FakeSlack;
  let a: SlackService;
  let b: SlackService;

  beforeAll(async () => {
    redis = await startRedis();
    fake = await new FakeSlack().start();
    const env = { REDIS_URL: redis.url, LOOPPAUSE_REDIS_PREFIX: randomPrefix() };
    a = await startSlackService(fake, env);
    b = await startSlackService(fake, env);
  });
  afterAll(async () => {
    await a?.running.close();
    await b?.running.close();
    await fake?.close();
    await redis?.stop();
  });

  it('20 concurrent clicks across both replicas → exactly one decision and exactly one final chat.update', async () => {
    const { pause_id: pauseId } = await a.running.service.request('agent-a', {
      action_description: 'Rotate the production database password',
      action_details: { db: 'prod-main' },
      recipient_slack: '#ops-approvals',
    });
    const { ts } = await eventually(async () => {
      const slack = (await b.running.service.get(pauseId))?.delivery.slack;
      return slack?.ts ? slack : undefined;
    });
    const postsOf = (c: SlackCall) =>
      c.method === 'chat.postMessage' && JSON.stringify(c.body.blocks).includes(pauseId);
    expect(fake.calls.filter(postsOf)).toHaveLength(1);

    const users = Array.from({ length: 20 }, (_, i) => `U0CLICK${String(i).padStart(2, '0')}`);
    fake.members.set(channelIdFor('#ops-approvals'), users);
    const responses = await Promise.all(
      users.map((userId, i) =>
        sendClick((i % 2 === 0 ? a : b).running.url, {
          actionId: ActionId.approve,
          value: pauseId,
          userId,
          responseUrl: fake.responseUrl(userId),
        }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(users.map(() => 200));

    const update = (c: SlackCall) => c.method === 'chat.update' && c.body.ts === ts;
    const told = (c: SlackCall) => c.method === 'chat.postEphemeral' && users.includes(String(c.body.user));
    await fake.waitFor(update);
    const losers = await fake.waitFor(told, { count: 19 });
    // Flush anything still queued on either replica before counting.
    await a.running.runner.tick();
    await b.running.runner.tick();

    const pause = await a.running.service.get(pauseId);
    expect(pause?.status).toBe('responded');
    const winner = pause?.response?.responder;
    expect(users).toContain(winner);
    expect(new Set(losers.map((c) => c.body.user))).toEqual(new Set(users.filter((u) => u !== winner)));
    for (const loser of losers) expect(String(loser.body.text)).toContain(`already approved by <@${winner}> via Slack`);
    expect(fake.calls.filter(update)).toHaveLength(1);
    expect(fake.calls.filter(told)).toHaveLength(19);
  });
});
