import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { actionDigest, verifyDecision } from '../../src/domain/signing.js';
import type { RunningService } from '../../src/main.js';
import { generateReceiptKey, parseReceiptPrivateKey, publicJwkOf } from '../../src/receipts/keys.js';
import { webhookSurface } from '../../src/webhook/index.js';
import { ENFORCEABLE_POLICY } from '../domain/policy/fixtures.js';
import { eventually } from '../helpers/eventually.js';
import { verifyIndependently } from '../helpers/independent-receipt.js';
import { connectMcp, toolJson } from '../helpers/mcp-client.js';
import { startTestService, TEST_API_KEY, TEST_SIGNING_SECRET } from '../helpers/service.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

const ADMIN_KEY = 'admin-key-0123456789abcdef';
const BOT_KEY = 'support-bot-key-0123456789';
const ACTION = { action_description: 'Drop table users', action_details: { db: 'prod' } };
const tmp = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'receipts-'));

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The parts of the JSON answers these tests read. */
interface Answer {
  pause_id: string;
  status: string;
  secret: string;
  policy_rule?: string;
  response: Record<string, unknown> & { receipt: string };
}

async function call(running: RunningService, method: string, path: string, body?: unknown, key = TEST_API_KEY) {
  const res = await fetch(`${running.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Answer };
}

async function jwksOf(running: RunningService) {
  const res = await fetch(`${running.url}/.well-known/jwks.json`);
  return { res, jwks: (await res.json()) as { keys: Array<Record<string, unknown>> } };
}

/** A pause created over REST and approved by a human; the signed response check_approval returns. */
async function approvedResponse(running: RunningService, key = TEST_API_KEY) {
  const created = await call(running, 'POST', '/v1/pauses', { ...ACTION, recipient_email: 'ops@example.com' }, key);
  expect(created.status).toBe(201);
  const pauseId = created.body.pause_id;
  const outcome = await running.service.decide(pauseId, {
    decision: 'approved',
    responder: 'ops@example.com',
    channel: 'email',
    identities: ['ops@example.com'],
  });
  expect(outcome.outcome).toBe('decided');
  const checked = await call(running, 'GET', `/v1/pauses/${pauseId}`, undefined, key);
  return { pauseId, response: checked.body.response };
}

describe('receipts on a running service', () => {
  let running: RunningService | undefined;
  let receiver: WebhookReceiver | undefined;
  afterEach(async () => {
    await receiver?.stop();
    await running?.close();
    running = undefined;
    receiver = undefined;
  });

  it('check_approval (REST) carries a receipt that verifies against the public JWKS; the HMAC recipe still verifies', async () => {
    running = await startTestService();
    const { pauseId, response } = await approvedResponse(running);
    const { res, jwks } = await jwksOf(running);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toMatch(/max-age=\d+/);
    expect(JSON.stringify(jwks)).not.toContain('"d"');
    const checked = verifyIndependently(response.receipt, jwks);
    if (!checked.ok) throw new Error(checked.reason);
    const iat = Math.floor(Date.parse(response.responded_at as string) / 1000);
    expect(checked.claims).toEqual({
      iss: running.config.publicUrl,
      sub: pauseId,
      jti: response.nonce,
      iat,
      exp: iat + 3600,
      decision: 'approved',
      action_digest: actionDigest(ACTION),
      agent_id: 'agent-a',
      approvers: ['ops@example.com'],
    });
    expect(verifyDecision(TEST_SIGNING_SECRET, response, { pause_id: pauseId, action: ACTION })).toEqual({ ok: true });
    // MCP check_approval returns the same signed response, receipt included.
    const client = await connectMcp(running.url, TEST_API_KEY);
    try {
      // Listed first, so the SDK client checks the result against the published output schema.
      await client.listTools();
      const viaMcp = toolJson(await client.callTool({ name: 'check_approval', arguments: { pause_id: pauseId } }));
      expect((viaMcp.response as { receipt?: string }).receipt).toBe(response.receipt);
    } finally {
      await client.close();
    }
  });

  it('the webhook pause.decided body carries the same receipt', async () => {
    receiver = await new WebhookReceiver().start();
    running = await startTestService(
      {
        LOOPPAUSE_API_KEYS: `agent-a:${TEST_API_KEY},ops:${ADMIN_KEY}::admin`,
        LOOPPAUSE_WEBHOOK_ALLOW_PRIVATE: 'true',
      },
      { webhooks: { retryScheduleMs: [100], timeoutMs: 2000 }, surfaces: [webhookSurface] },
    );
    const hook = await call(
      running,
      'POST',
      '/v1/webhooks',
      { url: receiver.url('/r'), events: ['pause.decided'] },
      ADMIN_KEY,
    );
    receiver.secret('/r', hook.body.secret);
    const { response } = await approvedResponse(running);
    const decided = await eventually(() => receiver?.at('/r').find((r) => r.payload?.type === 'pause.decided'));
    expect(decided.verified).toBe(true);
    expect((decided.payload?.data.response as { receipt?: string } | undefined)?.receipt).toBe(response.receipt);
    expect(verifyIndependently(response.receipt, (await jwksOf(running)).jwks).ok).toBe(true);
  });

  it('a policy decision carries policy:<rule>, the rule and the sha256 of the policy file', async () => {
    const path = join(tmp, 'policy.yaml');
    writeFileSync(path, ENFORCEABLE_POLICY);
    running = await startTestService({
      LOOPPAUSE_POLICY_FILE: path,
      LOOPPAUSE_API_KEYS: `agent-a:${TEST_API_KEY},support-bot:${BOT_KEY}`,
    });
    const created = await call(
      running,
      'POST',
      '/v1/pauses',
      { action_description: 'Refund order #7', action_details: { amount: '20' } },
      BOT_KEY,
    );
    expect(created.body.status).toBe('responded');
    const view = await call(running, 'GET', `/v1/pauses/${created.body.pause_id}`, undefined, BOT_KEY);
    const checked = verifyIndependently(view.body.response.receipt, (await jwksOf(running)).jwks);
    if (!checked.ok) throw new Error(checked.reason);
    expect(checked.claims).toMatchObject({
      sub: created.body.pause_id,
      agent_id: 'support-bot',
      approvers: [`policy:${view.body.policy_rule}`],
      policy_rule: view.body.policy_rule,
      policy_digest: createHash('sha256').update(readFileSync(path, 'utf8')).digest('hex'),
    });
  });

  it('rotation across a restart: a receipt signed by the old key verifies against the new JWKS listing it as previous', async () => {
    const oldKey = generateReceiptKey();
    running = await startTestService({ LOOPPAUSE_RECEIPT_KEY: oldKey });
    const { response } = await approvedResponse(running);
    await running.close();
    const oldPublic = publicJwkOf(parseReceiptPrivateKey(oldKey));
    running = await startTestService({
      LOOPPAUSE_RECEIPT_KEY: generateReceiptKey(),
      LOOPPAUSE_RECEIPT_PREVIOUS_KEYS: JSON.stringify({ keys: [oldPublic] }),
    });
    const { jwks } = await jwksOf(running);
    expect(jwks.keys).toHaveLength(2);
    expect(jwks.keys[1]).toEqual(oldPublic);
    expect(JSON.stringify(jwks)).not.toContain('"d"');
    expect(verifyIndependently(response.receipt, jwks).ok).toBe(true);
    // Without the previous key listed, the old receipt no longer verifies.
    await running.close();
    running = await startTestService({ LOOPPAUSE_RECEIPT_KEY: generateReceiptKey() });
    expect(verifyIndependently(response.receipt, (await jwksOf(running)).jwks)).toEqual({
      ok: false,
      reason: 'unknown kid',
    });
  });

  it('development: the key is generated once into dev.json and kept across restarts', async () => {
    const dir = join(tmp, 'dev');
    const env = { NODE_ENV: 'development', LOOPPAUSE_DEV_STATE_DIR: dir, LOOPPAUSE_RECEIPT_KEY: '' };
    running = await startTestService(env);
    const first = (await jwksOf(running)).jwks.keys[0]?.kid;
    const saved = JSON.parse(readFileSync(join(dir, 'dev.json'), 'utf8')) as { receiptKey: string };
    expect(publicJwkOf(parseReceiptPrivateKey(saved.receiptKey)).kid).toBe(first);
    await running.close();
    running = await startTestService(env);
    expect((await jwksOf(running)).jwks.keys[0]?.kid).toBe(first);
  });
});
