import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyDecision } from '../../src/domain/signing.js';
import type { RunningService } from '../../src/main.js';
import { ENFORCEABLE_POLICY } from '../domain/policy/fixtures.js';
import { eventually } from '../helpers/eventually.js';
import { startTestService, TEST_API_KEY, TEST_SIGNING_SECRET } from '../helpers/service.js';

const BOT_KEY = 'support-bot-key-0123456789';
const ADMIN_KEY = 'ops-admin-key-0123456789';

describe('LOOPPAUSE_POLICY_FILE: the operator, not the agent, decides who approves what', () => {
  let dir: string;
  let path: string;
  let running: RunningService;
  beforeAll(async () => {
    dir = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'policy-http-'));
    path = join(dir, 'policy.yaml');
    writeFileSync(path, ENFORCEABLE_POLICY);
    running = await startTestService({
      LOOPPAUSE_POLICY_FILE: path,
      LOOPPAUSE_API_KEYS: `agent-a:${TEST_API_KEY},support-bot:${BOT_KEY},ops:${ADMIN_KEY}::admin`,
    });
  });
  afterAll(async () => {
    await running?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const create = async (body: object, key = TEST_API_KEY) => {
    const res = await fetch(`${running.url}/v1/pauses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ action_details: {}, ...body }),
    });
    return {
      status: res.status,
      json: (await res.json()) as Record<string, unknown> & { error?: Record<string, string> },
    };
  };
  const view = async (pauseId: unknown, key = TEST_API_KEY) =>
    (await (
      await fetch(`${running.url}/v1/pauses/${pauseId}`, { headers: { authorization: `Bearer ${key}` } })
    ).json()) as {
      status: string;
      policy_rule?: string;
      response?: Record<string, unknown>;
    };

  it('decides by policy: signed like a human decision, channel "policy", the rule as responder', async () => {
    const action = { action_description: 'Refund order #7', action_details: { amount: '20' } };
    const created = await create(action, BOT_KEY);
    expect(created).toMatchObject({ status: 201, json: { status: 'responded' } });
    const result = await view(created.json.pause_id, BOT_KEY);
    expect(result).toMatchObject({
      status: 'responded',
      policy_rule: 'small-refunds',
      response: { decision: 'approved', channel: 'policy', responder: 'policy:small-refunds' },
    });
    expect(
      verifyDecision(TEST_SIGNING_SECRET, result.response, { pause_id: String(created.json.pause_id), action }).ok,
    ).toBe(true);
  });

  it('an auto-decided request does not tell the agent a human was asked, on the first call or a retry', async () => {
    const action = {
      action_description: 'Refund order #70',
      action_details: { amount: '15' },
      idempotency_key: 'r-70',
    };
    for (const expected of [201, 200]) {
      const created = await create(action, BOT_KEY);
      expect(created).toMatchObject({ status: expected, json: { status: 'responded' } });
      const next = String(created.json.MANDATORY_NEXT_STEP);
      expect(next).not.toContain('A human has been asked');
      expect(next).toContain(
        'No human was asked: the operator\'s policy (rule "small-refunds") decided this request at once',
      );
      expect(next).toContain('check_approval');
    }
    // A routed request still says a human was asked.
    const routed = await create({ action_description: 'Transfer 70 EUR to ACME' });
    expect(String(routed.json.MANDATORY_NEXT_STEP)).toContain('A human has been asked');
  });

  it('routes as the rule says when the agent names no one: recipients, approvers, fields and timeout', async () => {
    const created = await create({ action_description: 'Transfer 9,000 EUR to ACME' });
    expect(created.status).toBe(201);
    const pause = await running.store.getPause(String(created.json.pause_id));
    expect(pause).toMatchObject({
      policy_rule: 'payments',
      request: {
        recipient_slack: '#finance-approvals',
        recipient_email: 'cfo@acme.com',
        approvers: ['U0SARAH123', 'cfo@acme.com'],
        response_fields: [{ name: 'po_number', label: 'PO number', required: true }],
        timeout_hours: 4,
      },
    });
    expect(Date.parse(pause?.expires_at ?? '') - Date.parse(pause?.created_at ?? '')).toBe(4 * 3_600_000);
    expect((await view(created.json.pause_id)).policy_rule).toBe('payments');
  });

  it('refuses, naming the field, what no rule allows, what a rule cannot judge, and an agent widening its route', async () => {
    const before = (await running.store.listPauses({ agentId: 'agent-a', limit: 100 })).items.length;
    const unmatched = await create({ action_description: 'Drop the production database', recipient_email: 'a@b.co' });
    expect(unmatched).toMatchObject({ status: 400, json: { error: { code: 'invalid_argument', field: 'policy' } } });
    const unjudged = await create(
      { action_description: 'Refund order #8', action_details: { amount: 'lots' } },
      BOT_KEY,
    );
    expect(unjudged).toMatchObject({ status: 400, json: { error: { field: 'policy' } } });
    // The agent hears that the policy could not judge it, not which rule or condition: that is the operator's to read.
    expect(unjudged.json.error?.message).toContain('could not judge');
    expect(unjudged.json.error?.message).not.toContain('small-refunds');
    const widened = await create({ action_description: 'Transfer 10 EUR', recipient_email: 'mallory@evil.example' });
    expect(widened).toMatchObject({ status: 400, json: { error: { field: 'recipient_email' } } });
    const longer = await create({ action_description: 'Transfer 10 EUR', timeout_hours: 48 });
    expect(longer).toMatchObject({ status: 400, json: { error: { field: 'timeout_hours' } } });
    expect((await running.store.listPauses({ agentId: 'agent-a', limit: 100 })).items).toHaveLength(before);
  });

  it('POST /v1/policy/explain: admin keys see which rule a request meets; others get 403', async () => {
    const explain = (body: object, key: string) =>
      fetch(`${running.url}/v1/policy/explain`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify(body),
      });
    const refund = { agent: 'support-bot', action: 'Refund order #9', details: { amount: '12' } };
    expect(await (await explain(refund, ADMIN_KEY)).json()).toEqual({
      kind: 'decide',
      rule: 'small-refunds',
      decision: 'approved',
    });
    const transfer = (await (await explain({ agent: 'ci', action: 'Transfer 5 EUR' }, ADMIN_KEY)).json()) as Record<
      string,
      unknown
    >;
    expect(transfer).toMatchObject({ kind: 'route', rule: 'payments', approvers: ['U0SARAH123', 'cfo@acme.com'] });
    expect(await (await explain({ agent: 'ci', action: 'Reboot' }, ADMIN_KEY)).json()).toEqual({ kind: 'no_match' });
    const bad = await explain({ agent: 'ci' }, ADMIN_KEY);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { field: string } }).error.field).toBe('action');
    const notAdmin = await explain(refund, TEST_API_KEY);
    expect(notAdmin.status).toBe(403);
    expect(((await notAdmin.json()) as { error: { code: string } }).error.code).toBe('forbidden');
  });

  it('fuzz: random bodies to /v1/policy/explain never give a 5xx or a stack trace', async () => {
    const body = fc.oneof(
      fc.json(),
      fc.record(
        { agent: fc.string(), action: fc.string(), details: fc.dictionary(fc.string(), fc.string()) },
        { requiredKeys: [] },
      ),
      fc.string(),
    );
    await fc.assert(
      fc.asyncProperty(body, async (payload) => {
        const res = await fetch(`${running.url}/v1/policy/explain`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
          body: typeof payload === 'string' ? payload : JSON.stringify(payload),
        });
        expect(res.status).toBeLessThan(500);
        expect(await res.text()).not.toMatch(/\n\s+at .+:\d+:\d+/);
      }),
      { numRuns: 150 },
    );
  });

  it('follows the file as it changes', async () => {
    writeFileSync(path, ENFORCEABLE_POLICY.replace('name: payments', 'name: transfers'));
    await eventually(async () => {
      const created = await create({ action_description: 'Transfer 5 EUR' });
      return (await view(created.json.pause_id)).policy_rule === 'transfers' ? true : undefined;
    });
  });
});

describe('without a policy file, or with a broken one', () => {
  it('explain says none is in force (404); a broken file stops start-up naming its problems', async () => {
    const running = await startTestService({ LOOPPAUSE_API_KEYS: `ops:${ADMIN_KEY}::admin` });
    try {
      const res = await fetch(`${running.url}/v1/policy/explain`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
        body: JSON.stringify({ agent: 'ci', action: 'x' }),
      });
      expect(res.status).toBe(404);
    } finally {
      await running.close();
    }
    const dir = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'policy-broken-'));
    try {
      const path = join(dir, 'policy.yaml');
      writeFileSync(path, 'rules:\n  - name: a\n    decide: perhaps\n');
      await expect(startTestService({ LOOPPAUSE_POLICY_FILE: path })).rejects.toThrow(/rules\[0\]\.decide/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
