import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pause } from '../../src/domain/pause.js';
import { ActionId } from '../../src/slack/ids.js';
import type { RedisStore } from '../../src/store/redis-store.js';
import { eventually } from '../helpers/eventually.js';
import { channelIdFor, type FakeSlack, type SlackCall } from '../helpers/fake-slack.js';
import { type ReplicaCluster, startReplicaCluster } from '../helpers/replica-cluster.js';
import { TEST_API_KEY, TEST_SIGNING_SECRET } from '../helpers/service.js';
import { waitingChecks } from '../helpers/settled.js';
import { slackUsers } from '../helpers/slack.js';

/**
 * Quorum and maker-checker across replicas: three service processes on one real Redis, a policy asking 2 of 5
 * approvers, and 50 racing Slack votes from the 5 humans spread over the replicas (some humans
 * clicking again and again, one rejecting late). Every vote is a signed request into a replica's
 * Bolt; the replicas read e-mails from the fake Slack API's users.info.
 */

const CHANNEL = '#approvals';
const HUMANS = [
  { slack: 'U0ADA0001', email: 'ada@example.com' },
  { slack: 'U0BOB0001', email: 'bob@example.com' },
  { slack: 'U0CY00001', email: 'cy@example.com' },
  { slack: 'U0DEE0001', email: 'dee@example.com' },
  { slack: 'U0EVE0001', email: 'eve@example.com' },
] as const;
const QUORUM = 2;
const POLICY = `
rules:
  - name: payments
    when: { action: "Transfer *" }
    route: { slack: "${CHANNEL}" }
    approvers: [${HUMANS.map((h) => h.email).join(', ')}]
    quorum: ${QUORUM}
    timeout_hours: 1
`;
const ACTION = { action_description: 'Transfer 900 EUR to ACME GmbH', action_details: { invoice: 'INV-42' } };

/** The signature recipe (docs/api.md), written out as an agent would: drop `signature`, sort the top-level keys, stringify, HMAC. */
function verifiesBySpec(secret: string, response: Record<string, unknown>): boolean {
  const { signature, ...rest } = response;
  const sorted = Object.fromEntries(Object.entries(rest).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(JSON.stringify(sorted)).digest('hex')}`);
  const given = Buffer.from(String(signature));
  return expected.length === given.length && timingSafeEqual(expected, given);
}

describe('quorum votes racing across three replica processes on one Redis', () => {
  let cluster: ReplicaCluster;
  let fake: FakeSlack;
  let store: RedisStore;

  beforeAll(async () => {
    cluster = await startReplicaCluster({ policy: POLICY });
    ({ fake, store } = cluster);
    fake.members.set(
      channelIdFor(CHANNEL),
      HUMANS.map((h) => h.slack),
    );
    for (const h of HUMANS) fake.emails.set(h.slack, h.email);
  }, 120_000);
  afterAll(() => cluster?.close());

  const at = (i: number) => cluster.at(i);
  const rest = (i: number, path: string, init: RequestInit = {}) =>
    fetch(`${at(i).url}${path}`, {
      ...init,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}` },
    });
  const ephemerals = (from: number) => fake.calls.slice(from).filter((c) => c.method === 'chat.postEphemeral');
  const textOf = (c: SlackCall) => String(c.body.text ?? '');

  it('50 racing votes from 5 humans: one outcome, the same signed answer on every replica, the agent woken', async () => {
    // The pause is created on replica 1 (index 0) and posted to the channel by whichever replica runs the job.
    const created = await rest(0, '/v1/pauses', { method: 'POST', body: JSON.stringify(ACTION) });
    expect(created.status).toBe(201);
    const { pause_id: pauseId } = (await created.json()) as { pause_id: string };
    const posted = await eventually(async () => {
      const slack = (await store.getPause(pauseId))?.delivery.slack;
      return slack?.state === 'posted' ? slack : undefined;
    }, 15_000);
    const channel = posted.channel as string;
    expect(await (await rest(1, `/v1/pauses/${pauseId}`)).json()).toMatchObject({
      status: 'pending',
      policy_rule: 'payments',
      approvals_received: 0,
      approvals_required: QUORUM,
    });

    // Eve opens the Reject form now (on replica 3) and submits it late, in the middle of the race.
    const eve = HUMANS[4];
    const users = [0, 1, 2].map((i) => slackUsers(fake, at(i).url));
    await users[2]?.click(ActionId.reject, pauseId, eve.slack, { channel });
    const [opened] = await fake.waitFor((c) => c.method === 'views.open' && JSON.stringify(c.body).includes(pauseId));
    const modal = (opened as SlackCall).body.view as Record<string, unknown>;

    // The agent waits on replica 2 (index 1); nobody voted there.
    const waiting = rest(1, `/v1/pauses/${pauseId}?wait=50`);
    await waitingChecks(at(1).url, 1);

    const before = fake.calls.length;
    const ada = HUMANS[0];
    // Ada approves on replica 1, then clicks again on replicas 2 and 3 (by her Slack id, which each
    // replica maps to her e-mail): one vote counted, two refused as already voted.
    for (let n = 0; n < 3; n++) {
      await users[n]?.click(ActionId.approve, pauseId, ada.slack, { channel });
      await eventually(() => (ephemerals(before).length > n ? true : undefined), 15_000);
    }
    expect(ephemerals(before).map(textOf)).toEqual([
      expect.stringMatching(/^Your approval is counted: 1 of 2/),
      expect.stringMatching(/^You already voted/),
      expect.stringMatching(/^You already voted/),
    ]);
    expect(await (await rest(2, `/v1/pauses/${pauseId}`)).json()).toMatchObject({
      status: 'pending',
      approvals_received: 1,
      approvals_required: QUORUM,
    });

    // The race: 46 approving clicks from all four (Ada again among them), and Eve's rejection as vote 30.
    const votes: Promise<Response>[] = [];
    for (let n = 3; n < 50; n++) {
      const replica = users[n % 3] as (typeof users)[number];
      if (n === 30) {
        votes.push(replica.submitModal(modal, eve.slack, {}));
        continue;
      }
      const human = HUMANS[(n * 7 + Math.floor(n / 5)) % 4] as (typeof HUMANS)[number];
      votes.push(replica.click(ActionId.approve, pauseId, human.slack, { channel }).then((v) => v.res));
    }
    const acks = await Promise.all(votes);
    expect(acks.map((r) => r.status)).toEqual(Array(47).fill(200));

    // Every vote but the deciding one is answered privately: counted, already voted, or already decided.
    await eventually(() => (ephemerals(before).length >= 49 ? true : undefined), 30_000);
    await new Promise((r) => setTimeout(r, 1000));
    const notices = ephemerals(before).map(textOf);
    expect(notices).toHaveLength(49);

    // Exactly one outcome, identical on every replica and to what the waiting agent was given.
    const woken = (await (await waiting).json()) as { status: string; response: Record<string, unknown> };
    expect(woken.status).toBe('responded');
    const views = await Promise.all(
      [0, 1, 2].map(async (i) => (await (await rest(i, `/v1/pauses/${pauseId}`)).json()) as typeof woken),
    );
    for (const view of views) expect(view).toEqual(woken);
    const response = woken.response;
    expect(verifiesBySpec(TEST_SIGNING_SECRET, response)).toBe(true);
    expect(verifiesBySpec('another-secret-0123456789abcdef-xyz!', response)).toBe(false);
    expect(response.pause_id).toBe(pauseId);

    const stored = (await store.getPause(pauseId)) as Pause;
    const votesIn = stored.votes ?? [];
    const approvals = response.approvals as Array<{ responder: string; channel: string }>;
    const emails = HUMANS.map((h) => h.email) as string[];
    if (response.decision === 'approved') {
      // Quorum: exactly QUORUM distinct approvers, the last of them the responder.
      expect(approvals).toHaveLength(QUORUM);
      expect(new Set(approvals.map((a) => a.responder)).size).toBe(QUORUM);
      expect(response.responder).toBe(approvals.at(-1)?.responder);
      expect(approvals.every((a) => a.channel === 'slack' && emails.includes(a.responder))).toBe(true);
      expect(approvals.map((a) => a.responder)).not.toContain(eve.email);
    } else {
      // Eve's veto came first: it decided, with the approvals counted before it.
      expect(response).toMatchObject({ decision: 'rejected', responder: eve.email });
      expect(approvals.length).toBeLessThan(QUORUM);
    }
    expect(approvals).toEqual(
      votesIn
        .filter((v) => v.decision === 'approved')
        .map((v) => ({
          responder: v.responder,
          channel: v.channel,
          comment: v.comment,
          // Each approval carries its voter's own answers (none asked here).
          fields: v.fields,
          responded_at: v.responded_at,
        })),
    );

    // The stored votes: each from a distinct human, as many as were counted before the end plus the deciding one.
    const counted = notices.filter((t) => t.startsWith('Your approval is counted')).length;
    expect(votesIn).toHaveLength(counted + 1);
    expect(new Set(votesIn.map((v) => v.responder)).size).toBe(votesIn.length);
    expect(counted).toBe(1);
    expect(votesIn[0]?.responder).toBe(ada.email);
    expect(notices.filter((t) => t.startsWith('You already voted')).length).toBeGreaterThanOrEqual(2);
    // Everything else came after the end and changed nothing.
    const others = notices.filter(
      (t) => !t.startsWith('Your approval is counted') && !t.startsWith('You already voted'),
    );
    // Ada's repeats aside, every racing vote but the deciding one came after the end.
    const adaRepeats = [...Array(47).keys()]
      .map((k) => k + 3)
      .filter((n) => n !== 30 && (n * 7 + Math.floor(n / 5)) % 4 === 0).length;
    expect(others.length).toBeGreaterThanOrEqual(46 - adaRepeats - (response.decision === 'approved' ? 1 : 0));
    expect(others.every((t) => t.startsWith(`This request was already ${String(response.decision)} by`))).toBe(true);
  }, 90_000);
});
