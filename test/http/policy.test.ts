import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyDecision } from '../../src/domain/signing.js';
import type { RunningService } from '../../src/main.js';
import { ENFORCEABLE_POLICY, PUSH_EXPLANATION, TOOL_CALL_POLICY } from '../domain/policy/fixtures.js';
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

  it('POST /v1/policy/explain: admin keys see what a request would get; others get 403', async () => {
    const explain = (body: object, key: string) =>
      fetch(`${running.url}/v1/policy/explain`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify(body),
      });
    const refund = { agent: 'support-bot', action: 'Refund order #9', details: { amount: '12' } };
    expect(await (await explain(refund, ADMIN_KEY)).json()).toEqual({
      verdict: 'decide',
      rule: 'small-refunds',
      decision: 'approved',
    });
    const transfer = (await (await explain({ agent: 'ci', action: 'Transfer 5 EUR' }, ADMIN_KEY)).json()) as Record<
      string,
      unknown
    >;
    expect(transfer).toMatchObject({
      verdict: 'route',
      rule: 'payments',
      route: { slack: '#finance-approvals', email: 'cfo@acme.com' },
      approvers: ['U0SARAH123', 'cfo@acme.com'],
      quorum: 1,
      timeout_hours: 4,
      on_timeout: 'timed_out',
      delegation: 'within_group',
    });
    // What a real request would be told, with the full reason: a refusal is an answer, not an error.
    expect(await (await explain({ agent: 'ci', action: 'Reboot' }, ADMIN_KEY)).json()).toEqual({
      verdict: 'refused',
      field: 'policy',
      reason: 'no rule matches',
    });
    const unjudged = await explain({ ...refund, details: { amount: 'lots' } }, ADMIN_KEY);
    expect(unjudged.status).toBe(200);
    expect(await unjudged.json()).toMatchObject({ verdict: 'refused', rule: 'small-refunds', field: 'policy' });
    const widened = await explain(
      { agent: 'ci', action: 'Transfer 5 EUR', request: { recipient_email: 'mallory@evil.example' } },
      ADMIN_KEY,
    );
    expect(await widened.json()).toMatchObject({
      verdict: 'refused',
      rule: 'payments',
      field: 'recipient_email',
      reason: expect.stringContaining('cfo@acme.com'),
    });
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
        {
          agent: fc.string(),
          action: fc.string(),
          details: fc.dictionary(fc.string(), fc.string()),
          request: fc.oneof(
            fc.dictionary(fc.string(), fc.jsonValue()),
            fc.record(
              {
                recipient_email: fc.oneof(fc.emailAddress(), fc.string()),
                recipient_slack: fc.string(),
                approvers: fc.array(fc.oneof(fc.emailAddress(), fc.string())),
                timeout_hours: fc.oneof(fc.double(), fc.integer()),
                quorum: fc.integer(),
              },
              { requiredKeys: [] },
            ),
          ),
        },
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

const MAKER_CHECKER_POLICY = `
rules:
  - name: deploys
    when: { action: "Deploy *" }
    route: { email: lead@acme.com }
    approvers: [lead@acme.com, ann@acme.com]
    owner_cannot_approve: true
    timeout_hours: 4
    remind_after: [30m, 5400]
    escalate: [{ after: 2h, approvers: [cto@acme.com] }]
    on_timeout: rejected
`;
const OWNED_KEY = 'owned-agent-key-0123456789';
const UNOWNED_KEY = 'unowned-agent-key-0123456789';

describe("policy explain says what a real request gets: maker-checker and the agent's routing arguments", () => {
  let dir: string;
  let running: RunningService;
  beforeAll(async () => {
    dir = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'policy-explain-'));
    writeFileSync(join(dir, 'policy.yaml'), MAKER_CHECKER_POLICY);
    running = await startTestService({
      LOOPPAUSE_POLICY_FILE: join(dir, 'policy.yaml'),
      LOOPPAUSE_API_KEYS: `owned:${OWNED_KEY}:ann@acme.com,unowned:${UNOWNED_KEY},ops:${ADMIN_KEY}::admin`,
    });
  });
  afterAll(async () => {
    await running?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = async (path: string, body: object, key: string) => {
    const res = await fetch(`${running.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> & { error?: { field?: string } } };
  };
  const explain = (agent: string, request?: object) =>
    post('/v1/policy/explain', { agent, action: 'Deploy api v2', ...(request ? { request } : {}) }, ADMIN_KEY);
  const real = (key: string, request: object = {}) =>
    post('/v1/pauses', { action_description: 'Deploy api v2', action_details: {}, ...request }, key);

  it('a key without an owner under owner_cannot_approve: explain refuses as the real request does', async () => {
    const explained = await explain('unowned');
    expect(explained).toMatchObject({ status: 200, json: { verdict: 'refused', rule: 'deploys', field: 'policy' } });
    expect(explained.json.reason).toContain('no owner');
    expect(await real(UNOWNED_KEY)).toMatchObject({ status: 400, json: { error: { field: 'policy' } } });
  });

  it("a key with an owner: routed, the owner excluded, in the policy's own names and durations", async () => {
    const explained = await explain('owned');
    expect(explained.json).toEqual({
      verdict: 'route',
      rule: 'deploys',
      agent_routing: 'restrict',
      route: { email: 'lead@acme.com' },
      approvers: ['lead@acme.com', 'ann@acme.com'],
      quorum: 1,
      owner_cannot_approve: true,
      excluded_owner: 'ann@acme.com',
      response_fields: [],
      timeout_hours: 4,
      remind_after: ['30m', '90m'],
      escalate: [{ after: '2h', approvers: ['cto@acme.com'] }],
      on_timeout: 'rejected',
      delegation: 'within_group',
    });
    const created = await real(OWNED_KEY);
    expect(created.status).toBe(201);
    const pause = await running.store.getPause(String(created.json.pause_id));
    expect(pause?.plan).toMatchObject({ quorum: 1, excluded_owner: 'ann@acme.com', on_timeout: 'rejected' });
    expect(pause?.request).toMatchObject({ recipient_email: 'lead@acme.com', timeout_hours: 4 });
  });

  it('routing arguments: the same verdict, naming the same field, as request_approval with them', async () => {
    const cases: object[] = [
      { approvers: ['ann@acme.com'] },
      { timeout_hours: 2 },
      { recipient_email: 'someone@else.example' },
      { quorum: 2 },
      { recipient_email: 'not-an-address' },
      { recipient_email: 'lead@acme.com', timeout_hours: 4, approvers: ['lead@acme.com', 'ann@acme.com'] },
    ];
    for (const request of cases) {
      const explained = await explain('owned', request);
      const created = await real(OWNED_KEY, request);
      if (created.status === 201) {
        expect(explained.json, JSON.stringify(request)).toMatchObject({ verdict: 'route' });
      } else {
        expect(created.status, JSON.stringify(request)).toBe(400);
        expect(explained.json, JSON.stringify(request)).toMatchObject({
          verdict: 'refused',
          field: created.json.error?.field,
        });
      }
    }
    expect((await explain('owned', { quorum: 2 })).json).toMatchObject({ verdict: 'refused', field: 'quorum' });
    // Its own arguments explain checks itself: 400, as for any malformed body.
    const misplaced = await post(
      '/v1/policy/explain',
      { agent: 'owned', action: 'Deploy', request: { action_description: 'x' } },
      ADMIN_KEY,
    );
    expect(misplaced).toMatchObject({ status: 400, json: { error: { field: 'request' } } });
  });
});

describe('POST /v1/policy/explain for a tool call: the tool rules, tool_calls_default and remember', () => {
  let dir: string;
  let running: RunningService;
  beforeAll(async () => {
    dir = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'policy-tools-'));
    writeFileSync(join(dir, 'policy.yaml'), TOOL_CALL_POLICY);
    running = await startTestService({
      LOOPPAUSE_POLICY_FILE: join(dir, 'policy.yaml'),
      LOOPPAUSE_API_KEYS: `ci-main:${OWNED_KEY}:ann@acme.com,ops:${ADMIN_KEY}::admin`,
    });
  });
  afterAll(async () => {
    await running?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const explain = async (body: unknown, key = ADMIN_KEY) => {
    const res = await fetch(`${running.url}/v1/policy/explain`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> & { error?: { field?: string } } };
  };

  it('answers which rule matches, with the routing, timers and remember, or the default', async () => {
    const push = await explain({
      agent: 'laptop',
      tool: 'Bash',
      input: { command: 'git push --force origin main' },
      cwd: '/repo',
      session_id: 's-1',
    });
    expect(push).toEqual({
      status: 200,
      json: PUSH_EXPLANATION,
    });
    expect(
      (await explain({ agent: 'ci-main', tool: 'mcp__github__create_issue', input: { title: 'x' } })).json,
    ).toMatchObject({
      verdict: 'route',
      rule: 'github-writes',
      route: { email: 'ops@acme.com' },
    });
    expect((await explain({ agent: 'laptop', tool: 'Grep', input: { pattern: 'x' } })).json).toEqual({
      verdict: 'decide',
      tool: 'Grep',
      rule: 'grep',
      decision: 'approved',
      answer: 'allow',
    });
    expect((await explain({ agent: 'laptop', tool: 'Write', input: {} })).json).toEqual({
      verdict: 'default',
      tool: 'Write',
      decision: 'ask',
      answer: 'ask',
    });
    // A request to the same service still meets only the request rules.
    expect((await explain({ agent: 'laptop', action: 'Refund 5 EUR' })).json).toMatchObject({
      verdict: 'route',
      rule: 'refunds',
    });
  });

  it('a call the policy cannot judge is a refusal (200), a malformed body a 400 naming the field, others 403', async () => {
    expect(await explain({ agent: 'laptop', tool: 'Bash', input: { cmd: 'ls' } })).toMatchObject({
      status: 200,
      json: { verdict: 'refused', tool: 'Bash', rule: 'pushes', field: 'policy' },
    });
    let deep: unknown = 'x';
    for (let i = 0; i < 40; i++) deep = { d: deep };
    expect(await explain({ agent: 'laptop', tool: 'Bash', input: deep })).toMatchObject({
      status: 200,
      json: { verdict: 'refused', field: 'policy', reason: expect.stringContaining('32 levels') },
    });
    for (const [body, field] of [
      [{ tool: 'Bash' }, 'input'],
      [{ tool: 'Bash', input: 'git push' }, 'input'],
      [{ tool: 'Bash', input: {}, details: {} }, 'details'],
      [{ tool: 'x'.repeat(201), input: {} }, 'tool'],
    ] as const) {
      const res = await explain(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.error?.field, JSON.stringify(body)).toBe(field);
    }
    expect((await explain({ tool: 'Bash', input: {} }, OWNED_KEY)).status).toBe(403);
  });

  it('fuzz: random tool-call bodies never give a 5xx or a stack trace', async () => {
    const body = fc.record(
      {
        agent: fc.oneof(fc.string(), fc.constantFrom('ci-main', 'laptop')),
        tool: fc.oneof(fc.string(), fc.constantFrom('Bash', 'Read', 'mcp__github__x')),
        input: fc.oneof(
          fc.dictionary(fc.oneof(fc.constantFrom('command', '__proto__'), fc.string()), fc.jsonValue({ maxDepth: 4 })),
          fc.jsonValue(),
        ),
        cwd: fc.jsonValue({ maxDepth: 1 }),
        session_id: fc.string(),
      },
      { requiredKeys: ['tool'] },
    );
    await fc.assert(
      fc.asyncProperty(body, async (payload) => {
        const res = await fetch(`${running.url}/v1/policy/explain`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
          body: JSON.stringify(payload),
        });
        expect(res.status).toBeLessThan(500);
        expect(await res.text()).not.toMatch(/\n\s+at .+:\d+:\d+/);
      }),
      { numRuns: 150 },
    );
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
