import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyDecision } from '../../src/domain/signing.js';
import { hashApiKey } from '../../src/http/auth.js';
import type { RunningService } from '../../src/main.js';
import { OTHER_API_KEY, startTestService, TEST_API_KEY, TEST_SIGNING_SECRET } from '../helpers/service.js';
import { waitingChecks } from '../helpers/settled.js';

const body = {
  action_description: 'Refund order #1042',
  action_details: { amount: '120 EUR' },
  recipient_email: 'fin@example.com',
};

describe('REST /v1/pauses', () => {
  let running: RunningService;
  const call = (path: string, init: RequestInit = {}, key = TEST_API_KEY) =>
    fetch(`${running.url}${path}`, {
      ...init,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...(init.headers ?? {}) },
    });
  const create = async (extra: Record<string, unknown> = {}) => {
    const res = await call('/v1/pauses', { method: 'POST', body: JSON.stringify({ ...body, ...extra }) });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    running = await startTestService();
  });
  afterAll(async () => {
    await running.close();
  });

  it('creates (201), replays an idempotency key (200), checks, long-polls and cancels', async () => {
    const created = await create({ idempotency_key: 'refund-1042' });
    expect(created.status).toBe(201);
    const id = created.json.pause_id as string;
    const replay = await create({ idempotency_key: 'refund-1042' });
    expect(replay).toMatchObject({ status: 200, json: { pause_id: id } });

    const pending = await call(`/v1/pauses/${id}`);
    expect(await pending.json()).toMatchObject({ pause_id: id, status: 'pending' });

    const waiting = call(`/v1/pauses/${id}?wait=20`);
    // The long-poll holds a watch on the pause before it is decided.
    await waitingChecks(running.url, 1);
    await running.service.decide(id, {
      decision: 'rejected',
      comment: 'no',
      responder: 'fin@example.com',
      channel: 'email',
      identities: [],
    });
    const decided = (await (await waiting).json()) as { status: string; response: unknown };
    expect(decided.status).toBe('responded');
    expect(verifyDecision(TEST_SIGNING_SECRET, decided.response, { pause_id: id, action: body }).ok).toBe(true);

    const cancel = await call(`/v1/pauses/${id}/cancel`, { method: 'POST', body: '{}' });
    expect(await cancel.json()).toMatchObject({ cancelled: false, status: 'responded' });
  });

  it('answers 409 conflict naming idempotency_key when the key is reused for a different request', async () => {
    const first = await create({ idempotency_key: 'refund-2001' });
    expect(first.status).toBe(201);
    const reordered = await call('/v1/pauses', {
      method: 'POST',
      body: JSON.stringify({
        idempotency_key: 'refund-2001',
        recipient_email: body.recipient_email,
        action_details: body.action_details,
        action_description: body.action_description,
      }),
    });
    expect(reordered.status).toBe(200);
    for (const change of [
      { action_details: { amount: '9999 EUR' } },
      { recipient_email: 'mallory@example.com' },
      { approvers: ['mallory@example.com'] },
      { timeout_hours: 1 },
      { response_fields: [{ name: 'po', label: 'PO' }] },
    ]) {
      const reused = await create({ ...change, idempotency_key: 'refund-2001' });
      expect(reused).toMatchObject({ status: 409, json: { error: { code: 'conflict', field: 'idempotency_key' } } });
    }
  });

  it('lists this key’s pauses by status with a cursor', async () => {
    const mine = [];
    for (let i = 0; i < 3; i++) mine.push((await create()).json.pause_id);
    type Page = { items: { pause_id: string }[]; next_cursor: string | null };
    const firstPage = (await (await call('/v1/pauses?status=pending&limit=2')).json()) as Page;
    expect(firstPage.items).toHaveLength(2);
    expect(firstPage.next_cursor).toEqual(expect.any(String));
    const second = (await (
      await call(`/v1/pauses?status=pending&limit=2&cursor=${firstPage.next_cursor}`)
    ).json()) as Page;
    const ids = [...firstPage.items, ...second.items].map((p) => p.pause_id);
    expect(ids.slice(0, 3)).toEqual([...mine].reverse());
    const blank = await call('/v1/pauses?status=pending&limit=&cursor=');
    expect(blank.status).toBe(200);
    const other = (await (await call('/v1/pauses?status=pending', {}, OTHER_API_KEY)).json()) as Page;
    expect(other.items).toEqual([]);
  });

  it('answers bad input with a JSON error naming the field, storing nothing', async () => {
    const before = (await running.service.list('agent-a', { limit: 100 })).items.length;
    const cases: [RequestInit & { path?: string }, number, string | undefined][] = [
      [{ method: 'POST', body: '{"action_description":' }, 400, undefined],
      [{ method: 'POST', body: JSON.stringify({ ...body, timeout_hours: -1 }) }, 400, 'timeout_hours'],
      [{ method: 'POST', body: JSON.stringify({ ...body, action_details: 'x' }) }, 400, 'action_details'],
      [{ method: 'POST', body: JSON.stringify({ ...body, action_description: 'x'.repeat(400_000) }) }, 413, undefined],
      [{ path: '/v1/pauses/pse_aaaaaaaaaaaaaaaaaaaaaaaaaa' }, 404, 'pause_id'],
      [{ path: '/v1/pauses/not-an-id' }, 400, 'pause_id'],
      [{ path: '/v1/pauses/pse_aaaaaaaaaaaaaaaaaaaaaaaaaa?wait=60' }, 400, 'wait'],
      [{ path: '/v1/pauses?limit=0' }, 400, 'limit'],
      [{ path: '/v1/pauses?status=done' }, 400, 'status'],
    ];
    for (const [init, status, field] of cases) {
      const res = await call(init.path ?? '/v1/pauses', init);
      const json = (await res.json()) as { error: { code: string; message: string; field?: string } };
      expect(res.status, JSON.stringify(init).slice(0, 80)).toBe(status);
      expect(json.error.message).toEqual(expect.any(String));
      expect(json.error.field).toBe(field);
      expect(JSON.stringify(json)).not.toMatch(/node_modules|at .*:\d+:\d+/);
    }
    expect((await running.service.list('agent-a', { limit: 100 })).items.length).toBe(before);
  });

  it('answers a body that is not sent as JSON with 415 naming the header, on /v1/* and /mcp; stores nothing', async () => {
    const before = (await running.service.list('agent-a', { limit: 100 })).items.length;
    const json = JSON.stringify(body);
    const sends: Array<[string, Record<string, string>, string, string]> = [
      // curl -d sends a form; a raw buffer goes out with no Content-Type at all.
      [
        '/v1/pauses',
        { 'content-type': 'application/x-www-form-urlencoded' },
        json,
        '"application/x-www-form-urlencoded"',
      ],
      ['/v1/pauses', { 'content-type': 'text/plain' }, json, '"text/plain"'],
      ['/mcp', { 'content-type': 'text/plain', accept: 'application/json, text/event-stream' }, '{}', '"text/plain"'],
    ];
    for (const [path, headers, sent, named] of sends) {
      const res = await fetch(`${running.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_API_KEY}`, ...headers },
        body: sent,
      });
      expect(res.status, `${path} ${JSON.stringify(headers)}`).toBe(415);
      const answer = (await res.json()) as { error: { code: string; message: string; field?: string } };
      expect(answer.error).toEqual({
        code: 'unsupported_media_type',
        message: `the body must be JSON, sent with the header Content-Type: application/json (this request has Content-Type ${named})`,
        field: 'Content-Type',
      });
    }
    const bare = await fetch(`${running.url}/v1/pauses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_API_KEY}` },
      body: new TextEncoder().encode(json),
    });
    expect(bare.status).toBe(415);
    expect(((await bare.json()) as { error: { message: string } }).error.message).toContain('no Content-Type header');
    expect((await running.service.list('agent-a', { limit: 100 })).items.length).toBe(before);
    // No body at all needs no Content-Type: a cancel without a reason.
    const { json: created } = await create();
    const cancel = await fetch(`${running.url}/v1/pauses/${created.pause_id}/cancel`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_API_KEY}` },
    });
    expect(cancel.status).toBe(200);
  });

  it("returns 404 for another key's pause and 401 without a key", async () => {
    const { pause_id } = (await create()).json;
    expect((await call(`/v1/pauses/${pause_id}`, {}, OTHER_API_KEY)).status).toBe(404);
    expect((await call(`/v1/pauses/${pause_id}/cancel`, { method: 'POST', body: '{}' }, OTHER_API_KEY)).status).toBe(
      404,
    );
    const anonymous = await fetch(`${running.url}/v1/pauses/${pause_id}`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error: { code: 'unauthorized' } });
  });

  it('accepts keys minted into the store, by hash', async () => {
    const key = 'minted-key-0123456789abcdefghij';
    await running.store.createApiKey({ name: 'minted', hash: hashApiKey(key), created_at: new Date().toISOString() });
    const res = await call('/v1/pauses', { method: 'POST', body: JSON.stringify(body) }, key);
    expect(res.status).toBe(201);
    const { pause_id } = (await res.json()) as { pause_id: string };
    expect((await running.store.getPause(pause_id))?.agent_id).toBe('minted');
  });

  it('limits requests per key with 429 and Retry-After', async () => {
    const limited = await startTestService({ LOOPPAUSE_RATE_LIMIT_PER_MINUTE: '3' });
    const get = (key: string) => fetch(`${limited.url}/v1/pauses`, { headers: { authorization: `Bearer ${key}` } });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await get(TEST_API_KEY)).status);
    const last = await get(TEST_API_KEY);
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await last.json()).toMatchObject({ error: { code: 'rate_limited' } });
    expect((await get(OTHER_API_KEY)).status).toBe(200);
    await limited.close();
  });

  it('serves health and readiness', async () => {
    expect(await (await fetch(`${running.url}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${running.url}/readyz`)).json()).toMatchObject({ status: 'ready', store: 'memory' });
  });

  it('answers waiting long-polls with the current status on shutdown', async () => {
    const service = await startTestService();
    const res = await fetch(`${service.url}/v1/pauses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}` },
      body: JSON.stringify(body),
    });
    const { pause_id } = (await res.json()) as { pause_id: string };
    // 40 s outlasts this test's timeout (30 s): only the shutdown can answer the poll in time.
    const waiting = fetch(`${service.url}/v1/pauses/${pause_id}?wait=40`, {
      headers: { authorization: `Bearer ${TEST_API_KEY}` },
    });
    await waitingChecks(service.url, 1);
    const closed = service.close();
    const answer = await waiting;
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ pause_id, status: 'pending' });
    await closed;
  });
});

describe('LOOPPAUSE_ALLOWED_EMAIL_DOMAINS and LOOPPAUSE_ALLOWED_SLACK_CHANNELS', () => {
  let running: RunningService;
  beforeAll(async () => {
    running = await startTestService({
      LOOPPAUSE_ALLOWED_EMAIL_DOMAINS: 'example.com, corp.example',
      LOOPPAUSE_ALLOWED_SLACK_CHANNELS: '#Finance-Approvals, C0APPROVE1, U0ONCALL01',
    });
  });
  afterAll(() => running?.close());

  const create = async (extra: Record<string, unknown>) => {
    const res = await fetch(`${running.url}/v1/pauses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}` },
      body: JSON.stringify({ ...body, ...extra }),
    });
    return { status: res.status, json: (await res.json()) as { error?: { field?: string; message: string } } };
  };

  it('refuses a recipient or an e-mail approver outside the allowed domains, naming the field; stores nothing', async () => {
    const outside = await create({ recipient_email: 'me@attacker.example.net' });
    expect(outside.status).toBe(400);
    expect(outside.json.error).toMatchObject({ field: 'recipient_email' });
    expect(outside.json.error?.message).toContain('attacker.example.net');
    const approver = await create({ approvers: ['cfo@example.com', 'me@evil.test'] });
    expect(approver.json.error).toMatchObject({ field: 'approvers.1' });
    expect((await running.service.list('agent-a', { limit: 10 })).items).toHaveLength(0);
  });

  it('accepts the allowed domains, case-insensitively, and Slack user ids as approvers', async () => {
    expect((await create({ recipient_email: 'Fin@EXAMPLE.com' })).status).toBe(201);
    expect((await create({ recipient_email: 'ops@corp.example', approvers: ['U0ADA001'] })).status).toBe(201);
  });

  it('refuses a Slack destination outside the allowed channels, naming recipient_slack; stores nothing', async () => {
    const before = (await running.service.list('agent-a', { limit: 100 })).items.length;
    for (const target of ['#random', 'C0OTHER001', 'G0PRIVATE1', 'U0MALLORY1']) {
      const refused = await create({ recipient_slack: target });
      expect(refused.status).toBe(400);
      expect(refused.json.error).toMatchObject({ field: 'recipient_slack' });
      expect(refused.json.error?.message).toContain(target);
    }
    expect((await running.service.list('agent-a', { limit: 100 })).items).toHaveLength(before);
  });

  it('accepts the allowed channel names (any case), channel ids and user ids', async () => {
    for (const target of ['#finance-approvals', 'C0APPROVE1', 'U0ONCALL01']) {
      expect((await create({ recipient_slack: target })).status).toBe(201);
    }
  });
});
