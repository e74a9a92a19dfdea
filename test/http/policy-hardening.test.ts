import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/main.js';
import { eventually } from '../helpers/eventually.js';
import { startTestService } from '../helpers/service.js';

/**
 * An agent under an operator's policy, trying what a prompt-injected one would: bring a deadline
 * approval forward, send the request to itself under agent_routing: allow, and read the policy
 * out of its refusals.
 */
const OWNED_KEY = 'agent1-key-0123456789abcdef';
const PLAIN_KEY = 'agent2-key-0123456789abcdef';

const POLICY = `
groups:
  ops: [ops1@acme.com, ops2@acme.com, U0OPS00001]
  finance: [sarah@acme.com, bob@acme.com]
rules:
  - name: deploys
    when: { action: "Deploy *" }
    route: { email: ops@acme.com }
    approvers: [group:ops]
    timeout_hours: 4
    on_timeout: approved
  - name: payments
    when: { action: "Transfer *" }
    route: { email: finance@acme.com }
    approvers: [group:finance]
    quorum: 1
    owner_cannot_approve: true
    timeout_hours: 4
  - name: cel-rule
    when:
      action: "Refund *"
      if: 'double(details.amount) <= 50.0'
    decide: approved
  - name: misc
    when: { action: "Misc *" }
    route: { email: ops@acme.com }
`;

/** Log lines the service writes, parsed. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

async function post(url: string, key: string, body: object) {
  const res = await fetch(`${url}/v1/pauses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ action_details: {}, ...body }),
  });
  return { status: res.status, json: (await res.json()) as { status?: string; error?: Record<string, string> } };
}

describe('an agent under a policy cannot make the policy approve for it', () => {
  let dir: string;
  let running: RunningService;
  const log = capturingLogger();
  beforeAll(async () => {
    dir = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'policy-hardening-'));
    writeFileSync(join(dir, 'policy.yaml'), POLICY);
    running = await startTestService(
      {
        LOOPPAUSE_POLICY_FILE: join(dir, 'policy.yaml'),
        LOOPPAUSE_API_KEYS: `agent1:${OWNED_KEY}:sarah@acme.com,agent2:${PLAIN_KEY}`,
      },
      { logger: log.logger },
    );
  });
  afterAll(async () => {
    await running?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses any shorter timeout or narrower approvers on a rule that approves at its deadline, and stores nothing', async () => {
    const before = (await running.store.listPauses({ agentId: 'agent1', limit: 100 })).items.length;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record({ timeout_hours: fc.double({ min: Number.MIN_VALUE, max: 4, maxExcluded: true, noNaN: true }) }),
          fc.record({
            approvers: fc.subarray(['ops1@acme.com', 'OPS2@acme.com', 'U0OPS00001'], { minLength: 1, maxLength: 2 }),
          }),
          fc.record({
            approvers: fc.constant(['ops1@acme.com']),
            timeout_hours: fc.constantFrom(1e-300, 0.0003, 3.99),
          }),
        ),
        async (asked) => {
          const res = await post(running.url, OWNED_KEY, { action_description: 'Deploy drop prod database', ...asked });
          expect(res.status).toBe(400);
          expect(res.json.error?.code).toBe('invalid_argument');
          expect(res.json.status).toBeUndefined();
        },
      ),
      { numRuns: 40 },
    );
    expect((await running.store.listPauses({ agentId: 'agent1', limit: 100 })).items).toHaveLength(before);
  });

  it('tells MCP agents that the operator policy routes, instead of asking them for recipients', async () => {
    const client = new Client({ name: 'probe', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${running.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${OWNED_KEY}` } },
      }),
    );
    const { tools } = await client.listTools();
    const description = tools.find((tool) => tool.name === 'request_approval')?.description ?? '';
    expect(description).toContain('operator policy decides who is asked');
    expect(description).not.toContain('Give at least one of recipient_slack or recipient_email');
    await client.close();
  });

  it('still takes the rule as written: pending for the humans, four hours to decide', async () => {
    const res = await post(running.url, OWNED_KEY, { action_description: 'Deploy v2', timeout_hours: 4 });
    expect(res).toMatchObject({ status: 201, json: { status: 'pending' } });
  });

  it('refuses approvers narrowed to the key owner under maker-checker, so the owner cannot be the only voter', async () => {
    const res = await post(running.url, OWNED_KEY, {
      action_description: 'Transfer 1 EUR',
      approvers: ['Sarah@acme.com'],
    });
    expect(res).toMatchObject({ status: 400, json: { error: { field: 'approvers' } } });
    const fine = await post(running.url, OWNED_KEY, {
      action_description: 'Transfer 1 EUR',
      approvers: ['bob@acme.com'],
    });
    expect(fine.status).toBe(201);
  });

  it('tells the agent nothing of rules, conditions, routes, approvers or timeouts; the log has the reason', async () => {
    const probes: Array<[object, string]> = [
      [{ action_description: 'Refund order 1' }, 'policy'],
      [{ action_description: 'Transfer 5', recipient_email: 'eve@acme.com' }, 'recipient_email'],
      [{ action_description: 'Transfer 5', approvers: ['eve@acme.com'] }, 'approvers'],
      [{ action_description: 'Transfer 5', approvers: ['bob@acme.com'], timeout_hours: 100 }, 'timeout_hours'],
      [{ action_description: 'Deploy x', timeout_hours: 1 }, 'timeout_hours'],
      [{ action_description: 'Misc y', recipient_email: 'eve@acme.com' }, 'recipient_email'],
    ];
    const secrets = [
      'deploys',
      'payments',
      'cel-rule',
      'amount',
      'finance@',
      'ops@',
      'ops1',
      'sarah',
      'bob',
      ' 4',
      'rules[',
      'approvers of',
    ];
    for (const [body, field] of probes) {
      const res = await post(running.url, PLAIN_KEY, body);
      expect(res.status).toBe(400);
      expect(res.json.error?.field).toBe(field);
      for (const secret of secrets) expect(res.json.error?.message).not.toContain(secret);
    }
    const refusals = log.lines.filter((line) => line.msg === 'policy refused a request');
    expect(refusals.map((line) => (line.policy_refusal as { reason: string }).reason)).toEqual(
      expect.arrayContaining([expect.stringContaining('No such key: amount'), expect.stringContaining('eve@acme.com')]),
    );
  });
});

describe('metrics: a policy decision at the deadline', () => {
  let dir: string;
  let running: RunningService;
  beforeAll(async () => {
    dir = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'policy-metrics-'));
    // The rule's own short deadline (about 1 s): the operator's choice, not the agent's.
    writeFileSync(join(dir, 'policy.yaml'), POLICY.replace('timeout_hours: 4', 'timeout_hours: 0.0003'));
    running = await startTestService({
      LOOPPAUSE_POLICY_FILE: join(dir, 'policy.yaml'),
      LOOPPAUSE_API_KEYS: `agent1:${OWNED_KEY}:sarah@acme.com`,
    });
  });
  afterAll(async () => {
    await running?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts it as approved by the policy, not as timed out', async () => {
    const res = await post(running.url, OWNED_KEY, { action_description: 'Deploy soon' });
    expect(res).toMatchObject({ status: 201, json: { status: 'pending' } });
    const metrics = await eventually(async () => {
      const text = await (await fetch(`${running.url}/metrics`)).text();
      return text.includes('looppause_pauses_ended_total{outcome="approved",channel="policy"} 1') ? text : undefined;
    });
    expect(metrics).not.toMatch(/looppause_pauses_ended_total\{outcome="timed_out"/);
  });
});

describe('the allow-lists bound what the agent chooses under agent_routing: allow', () => {
  let dir: string;
  let running: RunningService;
  beforeAll(async () => {
    dir = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'policy-allow-'));
    writeFileSync(
      join(dir, 'policy.yaml'),
      `
agent_routing: allow
rules:
  - name: operators-own
    when: { action: "Pay *" }
    route: { email: treasury@partner.example, slack: C0TREASURY }
    approvers: [cfo@partner.example]
  - name: anything
    when: { action: "*" }
`,
    );
    running = await startTestService({
      LOOPPAUSE_POLICY_FILE: join(dir, 'policy.yaml'),
      LOOPPAUSE_API_KEYS: `agent2:${PLAIN_KEY}`,
      LOOPPAUSE_ALLOWED_EMAIL_DOMAINS: 'acme.com',
      LOOPPAUSE_ALLOWED_SLACK_CHANNELS: 'C0APPROVALS',
      SLACK_BOT_TOKEN: undefined,
    });
  });
  afterAll(async () => {
    await running?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a recipient or approver outside the lists, however spelled, and stores nothing', async () => {
    const outsiders: Array<[object, string]> = [
      [{ recipient_email: 'attacker@evil.example' }, 'recipient_email'],
      [{ recipient_email: 'attacker@EVIL.example' }, 'recipient_email'],
      [{ recipient_email: 'attacker@acme.com.evil.example' }, 'recipient_email'],
      [{ recipient_email: 'ops@acme.com', approvers: ['attacker@evil.example'] }, 'approvers.0'],
      [{ recipient_email: 'ops@acme.com', recipient_slack: 'U0MALLORY' }, 'recipient_slack'],
      [{ recipient_email: 'ops@acme.com', recipient_slack: '#random' }, 'recipient_slack'],
    ];
    for (const [asked, field] of outsiders) {
      const res = await post(running.url, PLAIN_KEY, { action_description: 'Misc wire all funds', ...asked });
      expect(res).toMatchObject({ status: 400, json: { error: { code: 'invalid_argument', field } } });
    }
    expect((await running.store.listPauses({ agentId: 'agent2', limit: 100 })).items).toEqual([]);
  });

  it('takes what the lists allow, and the operator’s own routes whatever the lists say', async () => {
    const inside = await post(running.url, PLAIN_KEY, {
      action_description: 'Misc tidy up',
      recipient_email: 'Ops@ACME.com',
      approvers: ['lead@acme.com'],
    });
    expect(inside.status).toBe(201);
    const operators = await post(running.url, PLAIN_KEY, { action_description: 'Pay the invoice' });
    expect(operators.status).toBe(201);
  });
});
