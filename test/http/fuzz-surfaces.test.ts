import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestApprovalSchema } from '../../src/domain/schemas.js';
import { verifyDecision } from '../../src/domain/signing.js';
import type { RunningService } from '../../src/main.js';
import { ActionId, CallbackId, ModalIds } from '../../src/slack/ids.js';
import { formKeyIn } from '../helpers/email.js';
import { FakeSlack } from '../helpers/fake-slack.js';
import { randomPrefix, startRedis, type TestRedis } from '../helpers/redis-server.js';
import { startTestService, TEST_API_KEY, TEST_SIGNING_SECRET } from '../helpers/service.js';
import {
  blockActionPayload,
  formPayload,
  SLACK_SIGNING_SECRET,
  sendToSlackEndpoint,
  slashCommandBody,
  viewSubmissionPayload,
} from '../helpers/slack-requests.js';
import { decideLink, TestSmtp } from '../helpers/smtp.js';
import { brokenCompressed, brokenPercent, oddPathTail, rawRequest, STACK_TRACE } from './hostile-input.js';

const FORM = 'application/x-www-form-urlencoded';

/**
 * Hostile input to the human-facing surfaces: /slack/events (signed and unsigned) and
 * /decide/:token. Never a 5xx, never a crash, never a half-written record, and a pause whose
 * approvers the fuzzer is not among is never decided.
 */
describe('fuzzing /slack/events and /decide/:token (Redis store)', () => {
  let redis: TestRedis;
  let fake: FakeSlack;
  let smtp: TestSmtp;
  let running: RunningService;
  /** Slack pause only `boss@example.com` may decide: the fuzzer's clicks must all be refused. */
  let guarded: string;
  /** E-mail pause whose real decision link the fuzzer posts to. */
  let mailed: string;
  let link: string;

  const ACTION = { action_description: 'Purge the CDN cache', action_details: { zone: 'www' } };

  beforeAll(async () => {
    [redis, fake, smtp] = await Promise.all([startRedis(), new FakeSlack().start(), new TestSmtp().start()]);
    running = await startTestService({
      REDIS_URL: redis.url,
      LOOPPAUSE_REDIS_PREFIX: randomPrefix(),
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET,
      SLACK_API_URL: fake.apiUrl,
      SMTP_URL: smtp.url,
    });
    guarded = (
      await running.service.request('agent-a', { ...ACTION, recipient_slack: '#ops', approvers: ['boss@example.com'] })
    ).pause_id;
    mailed = (await running.service.request('agent-a', { ...ACTION, recipient_email: 'ops@example.com' })).pause_id;
    const [mail] = await smtp.waitFor({ match: (m) => (m.text ?? '').includes(mailed) });
    link = decideLink(mail as NonNullable<typeof mail>);
  });
  afterAll(async () => {
    await running?.close();
    await Promise.all([fake?.close(), smtp?.stop(), redis?.stop()]);
  });

  const text = fc.oneof(
    fc.string({ maxLength: 60 }),
    fc.constantFrom('<!channel>', '<https://evil.example|ok>', '*bold*', '"; DROP', '\u0000\uffff', 'a'.repeat(5000)),
  );
  const pauseIdLike = fc.oneof(
    fc.constant(() => guarded),
    fc.string({ maxLength: 40 }).map((s) => () => s),
  );
  const userId = fc.stringMatching(/^U[A-Z0-9]{2,10}$/);

  const blockAction = fc
    .record({
      actionId: fc.oneof(fc.constantFrom(...Object.values(ActionId)), fc.string({ maxLength: 20 })),
      value: pauseIdLike,
      userId,
    })
    .map(({ actionId, value, userId }) =>
      formPayload(blockActionPayload({ actionId, value: value(), userId, responseUrl: fake.responseUrl('fuzz') })),
    );
  const viewSubmission = fc
    .record({
      callbackId: fc.oneof(fc.constant(CallbackId.decision), fc.string({ maxLength: 20 })),
      pause: pauseIdLike,
      decision: fc.oneof(fc.constantFrom('approved', 'rejected'), fc.string({ maxLength: 10 })),
      raw: fc.option(fc.string({ maxLength: 80 })),
      comment: fc.option(text),
      userId,
    })
    .map(({ callbackId, pause, decision, raw, comment, userId }) =>
      formPayload(
        viewSubmissionPayload({
          userId,
          callbackId,
          privateMetadata: raw ?? JSON.stringify({ pause_id: pause(), decision }),
          values: {
            [ModalIds.commentBlock]: { [ModalIds.commentAction]: { type: 'plain_text_input', value: comment } },
          },
        }),
      ),
    );
  const slash = fc
    .record({ text, userId })
    .map(({ text, userId }) => slashCommandBody({ text, userId, responseUrl: fake.responseUrl('fuzz') }));
  const garbage = fc.oneof(
    fc.string({ maxLength: 300 }),
    fc.jsonValue().map((v) => formPayload(v)),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc.constant('payload=%7B'),
  );

  it('unsigned or wrongly signed: always 401, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(blockAction, viewSubmission, slash, garbage),
        fc.constantFrom(FORM, 'application/json', 'text/plain'),
        fc.constantFrom('unsigned', 'other-secret', 'stale'),
        async (body, contentType, how) => {
          const res = await sendToSlackEndpoint(running.url, body, contentType as typeof FORM, {
            unsigned: how === 'unsigned',
            ...(how === 'other-secret' ? { secret: 'not-the-signing-secret-0123456789' } : {}),
            ...(how === 'stale' ? { timestamp: Math.floor(Date.now() / 1000) - 600 } : {}),
          });
          expect(res.status).toBe(401);
          await res.arrayBuffer();
        },
      ),
      { numRuns: 150 },
    );
  });

  const signedNeverFails = async (body: string, contentType: string) => {
    const res = await sendToSlackEndpoint(running.url, body, contentType as typeof FORM);
    expect(res.status).toBeLessThan(500);
    expect(await res.text()).not.toMatch(/at .+\.(js|ts):\d+:\d+/);
  };

  it('correctly signed, nearly valid interactions (clicks, modal submissions, commands): never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(blockAction, viewSubmission, slash),
        fc.constantFrom(FORM, 'application/json'),
        signedNeverFails,
      ),
      { numRuns: 250 },
    );
  });

  // Bodies Slack never sends: an object of no known type is held by Bolt for its 3 s ack window
  // and answered 404, so fewer runs here.
  it('correctly signed garbage: never a 5xx', async () => {
    await fc.assert(fc.asyncProperty(garbage, fc.constantFrom(FORM, 'application/json'), signedNeverFails), {
      numRuns: 20,
    });
  }, 150_000);

  it('random tokens and forms to /decide/:token: never a 5xx, never a stack trace', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string({ maxLength: 60 }), fc.stringMatching(/^[A-Za-z0-9_-]{43}$/)),
        fc.constantFrom('GET', 'POST'),
        fc.dictionary(fc.string({ maxLength: 12 }), text, { maxKeys: 5 }),
        async (token, method, form) => {
          const res = await fetch(`${running.url}/decide/${encodeURIComponent(token)}`, {
            method,
            headers: { 'content-type': FORM, origin: running.url },
            ...(method === 'POST' ? { body: new URLSearchParams(form).toString() } : {}),
            redirect: 'manual',
          });
          expect(res.status).toBeLessThan(500);
          expect(await res.text()).not.toMatch(/at .+\.(js|ts):\d+:\d+/);
        },
      ),
      { numRuns: 200 },
    );
  });

  const TOKEN_LIKE = 'AAAABBBBCCCCDDDDEEEEFFFFGGGGHHHH1234567890a';
  const linkPath = () => new URL(link).pathname;

  it('raw, unencoded paths under /decide: never a 5xx, never a stack trace', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/decide/', `/decide/${TOKEN_LIKE}`, '/DECIDE/', '/decide'),
        oddPathTail,
        fc.constantFrom('GET', 'POST'),
        async (prefix, tail, method) => {
          const res = await rawRequest(running.url, {
            method,
            path: prefix + tail,
            headers: { 'content-type': FORM, origin: running.url },
            body: method === 'POST' ? 'decision=approved&form_key=x' : undefined,
          });
          expect(res.status).toBeLessThan(500);
          expect(res.text).not.toMatch(STACK_TRACE);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('broken percent-encoding in a decision token: a 400 page', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          brokenPercent,
          brokenPercent.map((bad) => `${TOKEN_LIKE}${bad}`),
        ),
        fc.constantFrom('GET', 'POST'),
        async (token, method) => {
          const res = await rawRequest(running.url, {
            method,
            path: `/decide/${token}`,
            headers: { 'content-type': FORM, origin: running.url },
            body: method === 'POST' ? 'decision=approved' : undefined,
          });
          expect(res.status).toBe(400);
          expect(res.contentType).toContain('text/html');
          expect(res.text).not.toContain(TOKEN_LIKE);
        },
      ),
      {
        numRuns: 100,
        examples: [
          ['%E0%A4%A', 'GET'],
          [`${TOKEN_LIKE}%E2%80`, 'GET'],
        ],
      },
    );
  });

  it('hundreds of form fields, to the live link or any token: a 413 page, nothing decided', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 8 }), { minLength: 41, maxLength: 400 }),
        fc.constantFrom(linkPath(), `/decide/${TOKEN_LIKE}`),
        async (names, path) => {
          const body = new URLSearchParams([
            ['decision', 'approved'],
            ...names.map((n): [string, string] => [n, 'x']),
          ]).toString();
          const res = await rawRequest(running.url, {
            method: 'POST',
            path,
            headers: { 'content-type': FORM, origin: running.url },
            body,
          });
          expect(res.status).toBe(413);
          expect(res.contentType).toContain('text/html');
        },
      ),
      { numRuns: 50 },
    );
    expect((await running.service.get(mailed))?.status).toBe('pending');
  });

  it('broken compressed form bodies to /decide: never a 5xx, never a stack trace, nothing decided', async () => {
    await fc.assert(
      fc.asyncProperty(
        brokenCompressed('decision=approved&comment=zipped'),
        fc.constantFrom(linkPath(), `/decide/${TOKEN_LIKE}`),
        async ({ encoding, body }, path) => {
          const res = await rawRequest(running.url, {
            method: 'POST',
            path,
            headers: { 'content-type': FORM, origin: running.url, 'content-encoding': encoding },
            body,
          });
          expect(res.status).toBeLessThan(500);
          expect(res.text).not.toMatch(STACK_TRACE);
        },
      ),
      { numRuns: 150 },
    );
    expect((await running.service.get(mailed))?.status).toBe('pending');
  });

  it('random forms to a live decision link: never a 5xx; whatever happened is whole and signed', async () => {
    const formKey = formKeyIn(await (await fetch(link)).text());
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            form_key: fc.oneof(fc.constant(formKey), fc.string({ maxLength: 50 })),
            decision: fc.oneof(fc.constantFrom('approved', 'rejected'), fc.string({ maxLength: 10 })),
            comment: text,
            field_x: text,
          },
          { requiredKeys: [] },
        ),
        fc.constantFrom(running.url, 'https://evil.example', ''),
        async (form, origin) => {
          const res = await fetch(link, {
            method: 'POST',
            headers: { 'content-type': FORM, ...(origin ? { origin } : {}) },
            body: new URLSearchParams(form as Record<string, string>).toString(),
            redirect: 'manual',
          });
          expect(res.status).toBeLessThan(500);
          await res.arrayBuffer();
        },
      ),
      { numRuns: 150 },
    );
    const pause = await running.service.get(mailed);
    if (pause?.status === 'responded') {
      expect(pause.response).toMatchObject({ channel: 'email', responder: 'ops@example.com' });
      expect(verifyDecision(TEST_SIGNING_SECRET, pause.response, { pause_id: mailed, action: ACTION }).ok).toBe(true);
    } else {
      expect(pause?.status).toBe('pending');
    }
  });

  it('left the guarded pause undecided and only whole records in the store', async () => {
    expect((await running.service.get(guarded))?.status).toBe('pending');
    const all = await running.service.list('agent-a', { limit: 100 });
    expect(all.items.length).toBeGreaterThanOrEqual(2);
    for (const view of all.items) {
      const pause = await running.store.getPause(view.pause_id);
      expect(requestApprovalSchema.safeParse(pause?.request).success).toBe(true);
    }
    const res = await fetch(`${running.url}/v1/pauses/${guarded}`, {
      headers: { authorization: `Bearer ${TEST_API_KEY}` },
    });
    expect(res.status).toBe(200);
    expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
  });
});
