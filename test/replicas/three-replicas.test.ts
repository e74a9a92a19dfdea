import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyDecision } from '../../src/domain/signing.js';
import { ActionId } from '../../src/slack/ids.js';
import type { RedisStore } from '../../src/store/redis-store.js';
import { formKeyIn, postDecision } from '../helpers/email.js';
import { eventually } from '../helpers/eventually.js';
import { channelIdFor, type FakeSlack, type SlackCall } from '../helpers/fake-slack.js';
import { type ReplicaCluster, startReplicaCluster } from '../helpers/replica-cluster.js';
import { TEST_API_KEY, TEST_SIGNING_SECRET } from '../helpers/service.js';
import { waitingChecks } from '../helpers/settled.js';
import { sendClick } from '../helpers/slack-requests.js';
import { decideLink, type TestSmtp } from '../helpers/smtp.js';

const PUBLIC_URL = 'http://approvals.test';

/** Three service processes on one real Redis, as N replicas behind a load balancer. */

const racers = Array.from({ length: 100 }, (_, i) => `U0RACE${String(i).padStart(3, '0')}`);
describe('three replica processes on one Redis', () => {
  let cluster: ReplicaCluster;
  let fake: FakeSlack;
  let store: RedisStore;
  let smtp: TestSmtp;

  beforeAll(async () => {
    cluster = await startReplicaCluster({
      smtp: true,
      env: {
        LOOPPAUSE_EMAIL_FALLBACK_AFTER_SECONDS: '1',
        // The load balancer's address, shared by every replica (links in mail, the page's origin).
        PUBLIC_URL,
        // A killed replica's leased jobs are taken over after this; short so the test can see it.
        LOOPPAUSE_JOB_LEASE_SECONDS: '2',
      },
    });
    ({ fake, store } = cluster);
    smtp = cluster.smtp as TestSmtp;
    fake.members.set(channelIdFor('#ops'), ['U0HUMAN01', ...racers]);
  }, 120_000);
  afterAll(() => cluster?.close());

  const at = (i: number) => cluster.at(i);
  const rest = (i: number, path: string, init: RequestInit = {}) =>
    fetch(`${at(i).url}${path}`, {
      ...init,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}` },
    });
  const request = async (i: number, extra: object = {}) => {
    const body = {
      action_description: 'Rotate prod credentials',
      action_details: { db: 'main' },
      recipient_slack: '#ops',
      ...extra,
    };
    const res = await rest(i, '/v1/pauses', { method: 'POST', body: JSON.stringify(body) });
    expect(res.status).toBe(201);
    return { ...((await res.json()) as { pause_id: string }), body };
  };
  const postsFor = (id: string) => (c: SlackCall) =>
    c.method === 'chat.postMessage' && JSON.stringify(c.body).includes(id);
  const click = (i: number, pauseId: string, userId: string) =>
    sendClick(at(i).url, { actionId: ActionId.approve, value: pauseId, userId, responseUrl: fake.responseUrl(userId) });
  /** The posted message's ts, as the replica that posted it recorded it on the pause. */
  const messageTs = (pauseId: string) =>
    eventually(async () => (await store.getPause(pauseId))?.delivery.slack?.ts, 10_000);
  const updatesOf =
    (ts: string, text = '') =>
    (c: SlackCall) =>
      c.method === 'chat.update' && c.body.ts === ts && JSON.stringify(c.body).includes(text);

  it('a pause created on one replica is posted to Slack once and read the same on the others', async () => {
    const { pause_id } = await request(0);
    await fake.waitFor(postsFor(pause_id));
    for (let i = 0; i < 3; i++) {
      expect(await (await rest(i, `/v1/pauses/${pause_id}`)).json()).toMatchObject({ pause_id, status: 'pending' });
    }
    await cluster.settled();
    expect(fake.calls.filter(postsFor(pause_id))).toHaveLength(1);
  });

  it('a check waiting on replica B wakes when a human clicks on replica C', async () => {
    const { pause_id, body } = await request(0);
    await messageTs(pause_id);
    const waiting = rest(1, `/v1/pauses/${pause_id}?wait=30`);
    // The check is held open on replica B (it watches the pause) before anyone clicks.
    await waitingChecks(at(1).url, 1);
    expect((await click(2, pause_id, 'U0HUMAN01')).status).toBe(200);
    const view = (await (await waiting).json()) as { status: string; response: Record<string, unknown> };
    expect(view.status).toBe('responded');
    expect(view.response.responder).toBe('U0HUMAN01');
    expect(verifyDecision(TEST_SIGNING_SECRET, view.response, { pause_id, action: body }).ok).toBe(true);
  });

  it('100 concurrent clicks across the replicas: one winner, one chat.update, the same signed answer everywhere', async () => {
    const { pause_id } = await request(1);
    const ts = await messageTs(pause_id);
    const users = racers;
    const responses = await Promise.all(users.map((u, i) => click(i, pause_id, u)));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    // Slack is answered within its 3 s whatever the vote's outcome: the decision may land just after.
    const views = await eventually(async () => {
      const read = await Promise.all(
        [0, 1, 2].map(async (i) => (await (await rest(i, `/v1/pauses/${pause_id}`)).json()) as { response: unknown }),
      );
      return read.every((v) => v.response !== undefined) ? read : undefined;
    }, 10_000);
    expect(views[0]?.response).toBeDefined();
    expect(views[1]?.response).toEqual(views[0]?.response);
    expect(views[2]?.response).toEqual(views[0]?.response);
    const updates = updatesOf(ts);
    await fake.waitFor(updates);
    await cluster.settled();
    expect(fake.calls.filter(updates)).toHaveLength(1);
  });

  it('the expiry sweeper fires once across replicas', async () => {
    const { pause_id } = await request(2, { timeout_hours: 0.0003 });
    const updates = updatesOf(await messageTs(pause_id), 'Timed out');
    await fake.waitFor(updates, { timeoutMs: 10_000 });
    await cluster.settled();
    expect(fake.calls.filter(updates)).toHaveLength(1);
    expect(await (await rest(0, `/v1/pauses/${pause_id}`)).json()).toMatchObject({ status: 'timed_out' });
  });

  it('the e-mail fallback timer fires once across replicas; the e-mail decision updates Slack once', async () => {
    const { pause_id, body } = await request(0, { recipient_email: 'oncall@example.com' });
    const ts = await messageTs(pause_id);
    const [mail] = await smtp.waitFor({ match: (m) => (m.text ?? '').includes(pause_id), timeoutMs: 10_000 });
    await cluster.settled();
    expect(smtp.mailsFor(pause_id)).toHaveLength(1);

    // The link points at the load balancer; it sends this human to replica 2.
    const link = decideLink(mail as NonNullable<typeof mail>).replace(PUBLIC_URL, at(2).url);
    const formKey = formKeyIn(await (await fetch(link)).text());
    const decided = await postDecision(
      link,
      { form_key: formKey, decision: 'approved', comment: 'by mail' },
      { origin: PUBLIC_URL },
    );
    expect(decided.status).toBe(200);
    const view = (await (await rest(1, `/v1/pauses/${pause_id}`)).json()) as { status: string; response: unknown };
    expect(view).toMatchObject({
      status: 'responded',
      response: { channel: 'email', responder: 'oncall@example.com' },
    });
    expect(verifyDecision(TEST_SIGNING_SECRET, view.response, { pause_id, action: body }).ok).toBe(true);
    const updates = updatesOf(ts, 'by mail');
    await fake.waitFor(updates);
    await cluster.settled();
    expect(fake.calls.filter(updates)).toHaveLength(1);
  });

  it('a replica killed with SIGKILL loses nothing it acknowledged', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push((await request(0)).pause_id);
    await at(0).kill();
    for (const id of ids) {
      expect(await (await rest(1, `/v1/pauses/${id}`)).json()).toMatchObject({ pause_id: id, status: 'pending' });
    }
    // Jobs the killed replica had leased are taken over once their lease (2 s here) runs out.
    for (const id of ids) await fake.waitFor(postsFor(id), { timeoutMs: 15_000 });
  }, 30_000);
});
