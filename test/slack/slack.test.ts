import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { verifyDecision } from '../../src/domain/signing.js';
import { ActionId, CallbackId, fieldBlockId, ModalIds } from '../../src/slack/ids.js';
import { eventually } from '../helpers/eventually.js';
import { channelIdFor, FakeSlack, type SlackCall } from '../helpers/fake-slack.js';
import { TEST_SIGNING_SECRET } from '../helpers/service.js';
import {
  actionIds,
  type SlackService,
  type SlackUsers,
  shownText,
  slackUsers,
  startSlackService,
} from '../helpers/slack.js';
import {
  appHomeOpenedBody,
  blockActionPayload,
  formPayload,
  sendClick,
  sendToSlackEndpoint,
} from '../helpers/slack-requests.js';

const FORM = 'application/x-www-form-urlencoded';
const CHANNEL_MEMBERS = 'U0ADA U0NOMAIL U0BOB U0CAT U0DAN U0EVE U0BOSS U0BOSS001 U0LATE U0LIST U0HOME U0HOME2'.split(
  ' ',
);

describe('Slack surface (memory store, fake Slack Web API)', () => {
  let fake: FakeSlack;
  let svc: SlackService;
  let url: string;
  let users: SlackUsers;

  beforeAll(async () => {
    fake = await new FakeSlack().start();
    // Everyone who clicks or lists below is in the channel these requests go to.
    fake.members.set(channelIdFor('#ops-approvals'), [...CHANNEL_MEMBERS]);
    svc = await startSlackService(fake);
    url = svc.running.url;
    users = slackUsers(fake, url);
  });
  afterAll(async () => {
    await svc?.running.close();
    await fake?.close();
  });
  beforeEach(() => {
    fake.clearFailures();
    fake.emails.clear();
  });

  async function createPause(args: Record<string, unknown> = {}): Promise<string> {
    const result = await svc.running.service.request('agent-a', {
      action_description: 'Delete the staging bucket',
      action_details: { bucket: 'staging-assets', objects: '1204' },
      recipient_slack: '#ops-approvals',
      ...args,
    });
    return result.pause_id;
  }

  async function posted(pauseId: string): Promise<SlackCall> {
    const [call] = await fake.waitFor(
      (c) => c.method === 'chat.postMessage' && JSON.stringify(c.body.blocks ?? '').includes(pauseId),
    );
    if (!call) throw new Error('not posted');
    return call;
  }

  async function delivered(pauseId: string): Promise<{ channel: string; ts: string }> {
    return eventually(async () => {
      const slack = (await svc.running.service.get(pauseId))?.delivery.slack;
      return slack?.state === 'posted' && slack.channel && slack.ts
        ? { channel: slack.channel, ts: slack.ts }
        : undefined;
    });
  }

  const click: SlackUsers['click'] = (...args) => users.click(...args);
  const submitModal: SlackUsers['submitModal'] = (...args) => users.submitModal(...args);

  const updatesOf = (ts: string) => (c: SlackCall) => c.method === 'chat.update' && c.body.ts === ts;
  const ephemeralTo = (user: string) => (c: SlackCall) => c.method === 'chat.postEphemeral' && c.body.user === user;

  describe('3. delivery', () => {
    it('posts to #channel with the bot token, stores channel and ts on the pause', async () => {
      const pauseId = await createPause();
      const call = await posted(pauseId);
      expect(call.authorized).toBe(true);
      expect(call.body.channel).toBe('#ops-approvals');
      expect(call.body.unfurl_links).toBe('false');
      expect(Array.isArray(call.body.blocks)).toBe(true);
      const where = await delivered(pauseId);
      expect(where.channel).toBe(channelIdFor('#ops-approvals'));
      expect(where.ts).toMatch(/^\d+\.\d+$/);
    });

    it('sends a DM to a user id and posts once however often the job runs', async () => {
      const pauseId = await createPause({ recipient_slack: 'U0DMTARGET' });
      const call = await posted(pauseId);
      expect(call.body.channel).toBe('U0DMTARGET');
      const where = await delivered(pauseId);
      expect(where.channel).toBe('D0DMTARGET');
      await svc.running.runner.tick();
      expect(fake.calls.filter((c) => c.method === 'chat.postMessage' && shownText(c).includes(pauseId))).toHaveLength(
        1,
      );
    });

    it.each(['channel_not_found', 'not_in_channel', 'invalid_auth'])(
      'a %s failure is stored on the pause and handed to e-mail',
      async (error) => {
        fake.failWith('chat.postMessage', error, 1);
        const pauseId = await createPause({ recipient_email: 'ops@example.com' });
        const slack = await eventually(async () => {
          const d = (await svc.running.service.get(pauseId))?.delivery.slack;
          return d?.state === 'failed' ? d : undefined;
        });
        expect(slack.error).toBe(error);
        await eventually(() => svc.emailTasks.find((t) => t.data.pause_id === pauseId));
        expect(svc.emailTasks.find((t) => t.data.pause_id === pauseId)).toMatchObject({
          kind: 'email.send',
          id: `email.send:${pauseId}`,
        });
      },
    );

    it('rate limits that outlast the WebClient retries (Retry-After honoured) are a failure too, not a loss', async () => {
      fake.rateLimit('chat.postMessage', 1, 2);
      const pauseId = await createPause({ recipient_email: 'ops@example.com' });
      const slack = await eventually(async () => {
        const d = (await svc.running.service.get(pauseId))?.delivery.slack;
        return d?.state === 'failed' ? d : undefined;
      }, 15_000);
      expect(slack.error).toBe('ratelimited');
      await eventually(() => svc.emailTasks.find((t) => t.data.pause_id === pauseId));
      expect(fake.callsTo('chat.postMessage').filter((c) => shownText(c).includes(pauseId))).toHaveLength(2);
    });

    it('a failure without an e-mail recipient is recorded, and nothing is handed over', async () => {
      fake.failWith('chat.postMessage', 'channel_not_found', 1);
      const pauseId = await createPause();
      await eventually(async () =>
        (await svc.running.service.get(pauseId))?.delivery.slack?.state === 'failed' ? true : undefined,
      );
      expect(svc.emailTasks.find((t) => t.data.pause_id === pauseId)).toBeUndefined();
    });
  });

  describe('9. request verification', () => {
    const body = () =>
      formPayload(
        blockActionPayload({
          actionId: ActionId.approve,
          value: 'pse_aaaaaaaaaaaaaaaaaaaaaaaaaa',
          userId: 'U0X',
          responseUrl: 'http://127.0.0.1:1/',
        }),
      );

    it('unsigned → 401', async () => {
      expect((await sendToSlackEndpoint(url, body(), FORM, { unsigned: true })).status).toBe(401);
    });
    it('stale (older than 5 minutes, correctly signed) → 401', async () => {
      const stale = Math.floor(Date.now() / 1000) - 5 * 60 - 10;
      expect((await sendToSlackEndpoint(url, body(), FORM, { timestamp: stale })).status).toBe(401);
    });
    it('signed with another secret → 401', async () => {
      expect((await sendToSlackEndpoint(url, body(), FORM, { secret: 'not-the-secret' })).status).toBe(401);
    });
    it('a correctly signed request → 200', async () => {
      expect((await sendToSlackEndpoint(url, body(), FORM)).status).toBe(200);
    });
    it('answers the url_verification challenge Slack sends when the events URL is saved', async () => {
      const body = JSON.stringify({
        token: 'legacy-verification-token',
        challenge: 'ch4ll3nge-xyz',
        type: 'url_verification',
      });
      const res = await sendToSlackEndpoint(url, body, 'application/json');
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ challenge: 'ch4ll3nge-xyz' });
    });
    /** Sends the headers and 1 KB of a body declared `length` long; resolves with the status once the server answers. */
    function partialPost(headers: Record<string, string>, length: number): Promise<number> {
      const { hostname, port } = new URL(url);
      return new Promise((resolve, reject) => {
        const socket = connect(Number(port), hostname, () => {
          const head = Object.entries({ ...headers, 'content-type': FORM, 'content-length': String(length) })
            .map(([name, value]) => `${name}: ${value}\r\n`)
            .join('');
          socket.write(`POST /slack/events HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\n${head}\r\n${'a'.repeat(1024)}`);
        });
        let answer = '';
        socket.on('data', (chunk) => {
          answer += String(chunk);
          const status = /^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1];
          if (status) {
            socket.destroy();
            resolve(Number(status));
          }
        });
        socket.on('error', reject);
      });
    }
    const fresh = () => String(Math.floor(Date.now() / 1000));
    const fakeSignature = `v0=${'0'.repeat(64)}`;

    it('refuses an unsigned or stale request before reading its body: a 4 MB upload is answered after 1 KB', async () => {
      const cases: Record<string, string>[] = [
        {},
        { 'x-slack-request-timestamp': fresh() },
        { 'x-slack-signature': fakeSignature },
        { 'x-slack-signature': 'v0=nothex', 'x-slack-request-timestamp': fresh() },
        { 'x-slack-signature': fakeSignature, 'x-slack-request-timestamp': String(Number(fresh()) - 301) },
        { 'x-slack-signature': fakeSignature, 'x-slack-request-timestamp': '1e12' },
      ];
      for (const headers of cases) {
        expect(await partialPost(headers, 4 * 1024 * 1024), JSON.stringify(headers)).toBe(401);
      }
    });
    it('refuses a declared body over 256 KB at once, signed or not (413)', async () => {
      const headers = { 'x-slack-signature': fakeSignature, 'x-slack-request-timestamp': fresh() };
      expect(await partialPost(headers, 256 * 1024 + 1)).toBe(413);
    });
    it('reads at most 256 KB of a body whose length is not declared up front (chunked)', async () => {
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpRequest(new URL('/slack/events', url), {
          method: 'POST',
          headers: { 'content-type': FORM, 'x-slack-signature': fakeSignature, 'x-slack-request-timestamp': fresh() },
        });
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        // 300 KB in 1 KB chunks, no content-length: Transfer-Encoding: chunked.
        for (let i = 0; i < 300; i++) req.write('a'.repeat(1024));
        req.end();
      });
      expect(status).toBe(413);
    });
    it('a signed JSON null (Bolt throws on it) → 400, not 500', async () => {
      expect((await sendToSlackEndpoint(url, 'null', 'application/json')).status).toBe(400);
    });
    it('a click on a button LoopPause did not make is acked at once and decides nothing', async () => {
      const pauseId = await createPause();
      const before = fake.calls.length;
      const { res } = await click('someone_elses_button', pauseId, 'U0OTHER');
      expect(res.status).toBe(200);
      expect((await svc.running.service.get(pauseId))?.status).toBe('pending');
      expect(fake.calls.slice(before).filter((c) => c.method !== 'chat.postMessage')).toEqual([]);
    });
  });

  describe('5–7. deciding and channel sync', () => {
    it('Approve decides at once; the signed decision names the e-mail; the message loses its buttons', async () => {
      fake.emails.set('U0ADA', 'ada@example.com');
      const pauseId = await createPause();
      const { ts } = await delivered(pauseId);
      const { res } = await click(ActionId.approve, pauseId, 'U0ADA');
      expect(res.status).toBe(200);
      const [update] = await fake.waitFor(updatesOf(ts));
      const pause = await svc.running.service.get(pauseId);
      expect(pause?.status).toBe('responded');
      expect(pause?.response).toMatchObject({ decision: 'approved', responder: 'ada@example.com', channel: 'slack' });
      expect(pause?.response && verifyDecision(TEST_SIGNING_SECRET, pause.response)).toMatchObject({ ok: true });
      if (!update) throw new Error('no update');
      expect(actionIds(update.body.blocks)).toEqual([]);
      expect(shownText(update)).toContain('Approved');
      expect(shownText(update)).toContain('ada@example.com');
      expect(shownText(update)).toContain('<!date^');
    });

    it('without users:read.email the responder is the Slack user id', async () => {
      const pauseId = await createPause();
      const { ts } = await delivered(pauseId);
      await click(ActionId.approve, pauseId, 'U0NOMAIL');
      await fake.waitFor(updatesOf(ts));
      expect((await svc.running.service.get(pauseId))?.response?.responder).toBe('U0NOMAIL');
    });

    it('Reject opens a modal (views.open with the trigger_id); the reason lands in the decision and the message', async () => {
      const pauseId = await createPause();
      const { ts } = await delivered(pauseId);
      await click(ActionId.reject, pauseId, 'U0BOB');
      const [open] = await fake.waitFor((c) => c.method === 'views.open' && shownText(c).includes(pauseId));
      if (!open) throw new Error('no modal');
      expect(open.body.trigger_id).toEqual(expect.any(String));
      const view = open.body.view as Record<string, unknown>;
      expect(view.callback_id).toBe(CallbackId.decision);
      const res = await submitModal(view, 'U0BOB', { [ModalIds.commentBlock]: 'Not <!here> today' });
      expect(res.status).toBe(200);
      const [update] = await fake.waitFor(updatesOf(ts));
      const pause = await svc.running.service.get(pauseId);
      expect(pause?.response).toMatchObject({ decision: 'rejected', comment: 'Not <!here> today' });
      if (!update) throw new Error('no update');
      expect(shownText(update)).toContain('Rejected');
      expect(shownText(update)).toContain('Not &lt;!here&gt; today');
      expect(actionIds(update.body.blocks)).toEqual([]);
    });

    it('Approve with comment opens the modal and approves with the comment', async () => {
      const pauseId = await createPause();
      const { ts } = await delivered(pauseId);
      await click(ActionId.approveWithComment, pauseId, 'U0CAT');
      const [open] = await fake.waitFor((c) => c.method === 'views.open' && shownText(c).includes(pauseId));
      const view = open?.body.view as Record<string, unknown>;
      await submitModal(view, 'U0CAT', { [ModalIds.commentBlock]: 'ship it' });
      await fake.waitFor(updatesOf(ts));
      expect((await svc.running.service.get(pauseId))?.response).toMatchObject({
        decision: 'approved',
        comment: 'ship it',
      });
    });

    it('response_fields: Approve opens the modal; a missing required answer → response_action errors, nothing decided', async () => {
      const pauseId = await createPause({
        response_fields: [
          { name: 'po_number', label: 'PO number', required: true },
          { name: 'note', label: 'Note' },
        ],
      });
      const { ts } = await delivered(pauseId);
      await click(ActionId.approve, pauseId, 'U0DAN');
      const [open] = await fake.waitFor((c) => c.method === 'views.open' && shownText(c).includes(pauseId));
      const view = open?.body.view as Record<string, unknown>;
      const blocks = view.blocks as Array<Record<string, unknown>>;
      expect(blocks.filter((b) => b.type === 'input').map((b) => [b.block_id, b.optional])).toEqual([
        [fieldBlockId('po_number'), false],
        [fieldBlockId('note'), true],
        [ModalIds.commentBlock, true],
      ]);

      const refused = await submitModal(view, 'U0DAN', {
        [fieldBlockId('po_number')]: '  ',
        [ModalIds.commentBlock]: 'x',
      });
      expect(refused.status).toBe(200);
      expect(await refused.json()).toEqual({
        response_action: 'errors',
        errors: { [fieldBlockId('po_number')]: expect.stringContaining('required') },
      });
      expect((await svc.running.service.get(pauseId))?.status).toBe('pending');

      const ok = await submitModal(view, 'U0DAN', { [fieldBlockId('po_number')]: 'PO-7', [fieldBlockId('note')]: '' });
      expect(ok.status).toBe(200);
      const [update] = await fake.waitFor(updatesOf(ts));
      expect((await svc.running.service.get(pauseId))?.response?.fields).toEqual({ po_number: 'PO-7' });
      expect(shownText(update as SlackCall)).toContain('PO-7');
    });

    it('6. not an approver → ephemeral refusal, nothing decided; an approver by e-mail may decide', async () => {
      fake.emails.set('U0EVE', 'eve@example.com');
      fake.emails.set('U0BOSS', 'Boss@Example.com');
      const pauseId = await createPause({ approvers: ['boss@example.com'] });
      const { ts } = await delivered(pauseId);
      await click(ActionId.approve, pauseId, 'U0EVE');
      const [refusal] = await fake.waitFor(ephemeralTo('U0EVE'));
      expect(refusal?.body.text).toContain('you are not an approver for this request');
      expect(refusal?.body.channel).toBe('C0APPROVALS');
      expect((await svc.running.service.get(pauseId))?.status).toBe('pending');
      await click(ActionId.reject, pauseId, 'U0EVE');
      await fake.waitFor(ephemeralTo('U0EVE'), { count: 2 });
      expect(fake.calls.filter((c) => c.method === 'views.open' && shownText(c).includes(pauseId))).toHaveLength(0);

      await click(ActionId.approve, pauseId, 'U0BOSS');
      await fake.waitFor(updatesOf(ts));
      expect((await svc.running.service.get(pauseId))?.response?.responder).toBe('Boss@Example.com');
    });

    it('6. a click on a finished pause → ephemeral "already approved by X via Y at …", nothing changes', async () => {
      const pauseId = await createPause();
      const { ts } = await delivered(pauseId);
      await svc.running.service.decide(pauseId, {
        decision: 'approved',
        responder: 'ops@example.com',
        channel: 'email',
        identities: ['ops@example.com'],
      });
      await fake.waitFor(updatesOf(ts));
      const before = await svc.running.service.get(pauseId);
      await click(ActionId.reject, pauseId, 'U0LATE');
      const [late] = await fake.waitFor(ephemeralTo('U0LATE'));
      expect(late?.body.text).toMatch(/already approved by ops@example\.com via e-mail at <!date\^\d+\^/);
      expect(await svc.running.service.get(pauseId)).toEqual(before);
      expect(fake.calls.filter((c) => c.method === 'views.open' && shownText(c).includes(pauseId))).toHaveLength(0);
    });

    it('7. decided by e-mail → chat.update shows the outcome, who, when, comment, no buttons', async () => {
      const pauseId = await createPause();
      const { ts, channel } = await delivered(pauseId);
      await svc.running.service.decide(pauseId, {
        decision: 'rejected',
        comment: 'too risky',
        responder: 'ops@example.com',
        channel: 'email',
        identities: ['ops@example.com'],
      });
      const [update] = await fake.waitFor(updatesOf(ts));
      if (!update) throw new Error('no update');
      expect(update.body.channel).toBe(channel);
      expect(update.authorized).toBe(true);
      const text = shownText(update);
      expect(text).toContain('Rejected');
      expect(text).toContain('via e-mail');
      expect(text).toContain('too risky');
      expect(actionIds(update.body.blocks)).toEqual([]);
    });

    it('7. cancelled by the agent → chat.update "Cancelled" with the reason', async () => {
      const pauseId = await createPause();
      const { ts } = await delivered(pauseId);
      await svc.running.service.cancel('agent-a', { pause_id: pauseId, reason: 'plan changed' });
      const [update] = await fake.waitFor(updatesOf(ts));
      expect(shownText(update as SlackCall)).toContain('Cancelled');
      expect(shownText(update as SlackCall)).toContain('plan changed');
      expect(actionIds(update?.body.blocks)).toEqual([]);
    });

    it('7. timed out → chat.update "Timed out", without anyone polling', async () => {
      const pauseId = await createPause({ timeout_hours: 0.0003 });
      const { ts } = await delivered(pauseId);
      const [update] = await fake.waitFor(updatesOf(ts), { timeoutMs: 10_000 });
      expect(shownText(update as SlackCall)).toContain('Timed out');
      expect(actionIds(update?.body.blocks)).toEqual([]);
      expect(fake.calls.filter(updatesOf(ts))).toHaveLength(1);
    });
  });

  describe('8. /looppause and App Home', () => {
    const command = (text: string, userId = 'U0LIST') => users.command(text, userId);

    it('/looppause and /looppause pending: an ephemeral list of pending Slack pauses, newest first, with buttons', async () => {
      const older = await createPause({ action_description: 'Older request' });
      await new Promise((r) => setTimeout(r, 5));
      const newer = await createPause({ action_description: 'Newer request' });
      // A request to #name is listed once posted: its channel id tells whose it is.
      await delivered(older);
      await delivered(newer);
      const emailOnly = await svc.running.service.request('agent-a', {
        action_description: 'E-mail only',
        action_details: {},
        recipient_email: 'x@example.com',
      });
      for (const text of ['', 'pending']) {
        const { res, answer } = await command(text);
        expect(res.status).toBe(200);
        expect(answer.body.response_type).toBe('ephemeral');
        const shown = shownText(answer);
        expect(shown.indexOf(newer)).toBeGreaterThan(-1);
        expect(shown.indexOf(older)).toBeGreaterThan(shown.indexOf(newer));
        expect(shown).not.toContain(emailOnly.pause_id);
        expect(actionIds(answer.body.blocks)).toEqual(expect.arrayContaining([ActionId.approve, ActionId.reject]));
      }
      // A decided pause leaves the list.
      await svc.running.service.cancel('agent-a', { pause_id: newer });
      const { answer } = await command('');
      expect(shownText(answer)).not.toContain(newer);
    });

    it('a DM is listed to and decided by its recipient only; a channel request with approvers, by those of them in the channel', async () => {
      const dm = await createPause({ action_description: 'Private to Ada', recipient_slack: 'U0ADA001' });
      const guarded = await createPause({ action_description: 'For the boss', approvers: ['U0BOSS001'] });
      await delivered(dm);
      await delivered(guarded);
      const seenBy = async (user: string) => shownText((await command('', user)).answer);
      expect(await seenBy('U0ADA001')).toContain(dm);
      expect(await seenBy('U0MALLORY')).not.toContain(dm);
      expect(await seenBy('U0MALLORY')).not.toContain(guarded);
      expect(await seenBy('U0BOSS001')).toContain(guarded);

      await click(ActionId.approve, dm, 'U0MALLORY');
      const [refusal] = await fake.waitFor(ephemeralTo('U0MALLORY'));
      expect(refusal?.body.text).toContain('not an approver');
      expect((await svc.running.service.get(dm))?.status).toBe('pending');
      await click(ActionId.approve, dm, 'U0ADA001');
      await eventually(async () => ((await svc.running.service.get(dm))?.status === 'responded' ? true : undefined));
    });

    it('the list is paged: "Show more" replaces the ephemeral message with the next page', async () => {
      for (let i = 0; i < 11; i++) await delivered(await createPause({ action_description: `Paged request ${i}` }));
      const { answer } = await command('');
      const more = (answer.body.blocks as Array<Record<string, unknown>>)
        .flatMap((b) => (b.elements as Array<Record<string, unknown>> | undefined) ?? [])
        .find((e) => e.action_id === ActionId.listMore);
      expect(more?.value).toEqual(expect.any(String));
      const responseUrl = fake.responseUrl('more-1');
      await sendClick(url, {
        actionId: ActionId.listMore,
        value: String(more?.value),
        userId: 'U0LIST',
        responseUrl,
        ephemeral: true,
      });
      const [next] = await fake.waitFor((c) => c.method === 'response_url' && c.path.endsWith('more-1'));
      expect(next?.body).toMatchObject({ replace_original: true, response_type: 'ephemeral' });
      expect(shownText(next as SlackCall)).not.toBe(shownText(answer));
    });

    it('/looppause help explains, ephemerally', async () => {
      const { answer } = await command('help');
      expect(answer.body.response_type).toBe('ephemeral');
      expect(shownText(answer)).toContain('/looppause pending');
    });

    it('the App Home tab shows the same list (views.publish)', async () => {
      const pauseId = await createPause({ action_description: 'Home request' });
      await delivered(pauseId);
      const res = await sendToSlackEndpoint(url, appHomeOpenedBody('U0HOME'), 'application/json');
      expect(res.status).toBe(200);
      const [publish] = await fake.waitFor((c) => c.method === 'views.publish' && c.body.user_id === 'U0HOME');
      const view = publish?.body.view as Record<string, unknown>;
      expect(view.type).toBe('home');
      expect(JSON.stringify(view)).toContain(pauseId);
      expect(actionIds(view.blocks)).toContain(ActionId.approve);
    });

    it('a click from the list or App Home decides the same way (DM reply when there is no channel)', async () => {
      const pauseId = await createPause();
      const { ts } = await delivered(pauseId);
      await svc.running.service.cancel('agent-a', { pause_id: pauseId });
      await fake.waitFor(updatesOf(ts));
      const payload = blockActionPayload({
        actionId: ActionId.approve,
        value: pauseId,
        userId: 'U0HOME2',
        responseUrl: '',
      });
      delete payload.channel;
      payload.container = { type: 'view', view_id: 'V0HOME' };
      await sendToSlackEndpoint(url, formPayload(payload), FORM);
      const [dm] = await fake.waitFor((c) => c.method === 'chat.postMessage' && c.body.channel === 'U0HOME2');
      expect(dm?.body.text).toContain('already cancelled');
    });
  });
});
