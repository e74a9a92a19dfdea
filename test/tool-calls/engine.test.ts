import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { verifyDecision } from '../../src/domain/signing.js';
import { toolCallDigest } from '../../src/domain/tool-calls.js';
import type { RunningService } from '../../src/main.js';
import { verifyIndependently } from '../helpers/independent-receipt.js';
import { startTestService, TEST_API_KEY, TEST_SIGNING_SECRET } from '../helpers/service.js';

const POLICY = `
tool_calls_default: ask
rules:
  - name: reads
    when: { tool: "Read" }
    decide: approved
  - name: no-rm
    when: { tool: Bash, if: 'input.command.contains("rm -rf")' }
    decide: rejected
  - name: push
    when: { tool: Bash, if: 'input.command.startsWith("git push")' }
    route: { email: ops@example.com }
    remember: 1h
  - name: requests
    route: { email: ops@example.com }
`;
const tmp = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'tool-calls-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Answer {
  decision: string;
  pause_id?: string;
  reason?: string;
  policy_rule?: string;
  response?: Record<string, unknown> & { receipt?: string; decision: string };
  error?: { code: string; field?: string; message: string };
}

async function toolCall(svc: RunningService, body: unknown, wait?: number): Promise<{ status: number; body: Answer }> {
  const res = await fetch(`${svc.url}/v1/tool-calls${wait === undefined ? '' : `?wait=${wait}`}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Answer };
}

async function pauseCount(svc: RunningService): Promise<number> {
  const res = await fetch(`${svc.url}/v1/pauses?limit=100`, { headers: { authorization: `Bearer ${TEST_API_KEY}` } });
  return ((await res.json()) as { items: unknown[] }).items.length;
}

async function jwks(svc: RunningService) {
  return (await (await fetch(`${svc.url}/.well-known/jwks.json`)).json()) as { keys: Array<Record<string, unknown>> };
}

const push = (extra: Record<string, unknown> = {}) => ({
  tool: 'Bash',
  input: { command: 'git push origin main', description: 'Push' },
  session_id: 'sess-1',
  cwd: '/repo',
  ...extra,
});

function approve(svc: RunningService, pauseId: string, remember = false) {
  return svc.service.decide(pauseId, {
    decision: 'approved',
    responder: 'ops@example.com',
    channel: 'email',
    identities: ['ops@example.com'],
    ...(remember ? { remember: true } : {}),
  });
}

describe('POST /v1/tool-calls', () => {
  let svc: RunningService | undefined;
  afterEach(async () => {
    await svc?.close();
    svc = undefined;
  });

  async function start(env: Record<string, string> = {}) {
    const path = join(tmp, `policy-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(path, POLICY);
    svc = await startTestService({ LOOPPAUSE_POLICY_FILE: path, ...env });
    return svc;
  }

  it('without a policy every call asks locally, and nothing is stored', async () => {
    svc = await startTestService();
    const answer = await toolCall(svc, push());
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ decision: 'ask' });
    expect(answer.body.pause_id).toBeUndefined();
    expect(await pauseCount(svc)).toBe(0);
  });

  it('a call no rule matches gets tool_calls_default; a deciding rule allows or denies, signed and bound to {tool, input}', async () => {
    const running = await start();
    expect((await toolCall(running, { tool: 'Grep', input: { pattern: 'x' } })).body.decision).toBe('ask');
    const read = await toolCall(running, { tool: 'Read', input: { file_path: '/repo/a.ts' } });
    expect(read.body).toMatchObject({ decision: 'allow', policy_rule: 'reads' });
    const response = read.body.response as NonNullable<Answer['response']>;
    expect(response.action_digest).toBe(toolCallDigest({ tool: 'Read', input: { file_path: '/repo/a.ts' } }));
    expect(verifyDecision(TEST_SIGNING_SECRET, response, { pause_id: read.body.pause_id as string })).toEqual({
      ok: true,
    });
    const checked = verifyIndependently(response.receipt as string, await jwks(running));
    if (!checked.ok) throw new Error(checked.reason);
    expect(checked.claims).toMatchObject({
      decision: 'approved',
      action_digest: response.action_digest,
      approvers: ['policy:reads'],
    });
    const rm = await toolCall(running, { tool: 'Bash', input: { command: 'rm -rf /' } });
    expect(rm.body).toMatchObject({ decision: 'deny', policy_rule: 'no-rm' });
    expect(rm.body.response?.decision).toBe('rejected');
  });

  it('a routed call is pending; the same tool_use_id, or the same session and input, is the same question; another command asks again', async () => {
    const running = await start();
    const first = await toolCall(running, push({ tool_use_id: 'toolu_1' }));
    expect(first.body).toMatchObject({ decision: 'pending', policy_rule: 'push' });
    const pauseId = first.body.pause_id as string;
    expect((await toolCall(running, push({ tool_use_id: 'toolu_1' }))).body.pause_id).toBe(pauseId);
    expect((await toolCall(running, push({ tool_use_id: 'toolu_2' }))).body.pause_id).toBe(pauseId);
    expect((await toolCall(running, push())).body.pause_id).toBe(pauseId);
    // Key order inside the input does not make another call; another value does.
    const reordered = await toolCall(running, {
      ...push(),
      input: { description: 'Push', command: 'git push origin main' },
    });
    expect(reordered.body.pause_id).toBe(pauseId);
    const force = await toolCall(running, push({ input: { command: 'git push --force origin main' } }));
    expect(force.body.decision).toBe('pending');
    expect(force.body.pause_id).not.toBe(pauseId);
    const otherSession = await toolCall(running, push({ session_id: 'sess-2' }));
    expect(otherSession.body.pause_id).not.toBe(pauseId);
    expect(await pauseCount(running)).toBe(3);
    // A tool_use_id reused for another call is refused, never allowed.
    const reused = await toolCall(running, push({ tool_use_id: 'toolu_1', input: { command: 'git push -f' } }));
    expect(reused.body).toMatchObject({ decision: 'deny', pause_id: pauseId });
    expect(reused.body.reason).toContain('tool_use_id');
  });

  it('once a human approves, the same tool_use_id is allowed with the signed decision; a new call asks again', async () => {
    const running = await start();
    const first = await toolCall(running, push({ tool_use_id: 'toolu_1' }));
    const pauseId = first.body.pause_id as string;
    expect((await approve(running, pauseId)).outcome).toBe('decided');
    const again = await toolCall(running, push({ tool_use_id: 'toolu_1' }));
    expect(again.body).toMatchObject({ decision: 'allow', pause_id: pauseId });
    expect(again.body.response?.action_digest).toBe(toolCallDigest(push()));
    expect(again.body.reason).toContain('ops@example.com');
    const later = await toolCall(running, push({ tool_use_id: 'toolu_9' }));
    expect(later.body.decision).toBe('pending');
    expect(later.body.pause_id).not.toBe(pauseId);
  });

  it('"approve for this session" lets the same call in the same session through, each time on the audit log', async () => {
    const running = await start();
    const pauseId = (await toolCall(running, push({ tool_use_id: 'toolu_1' }))).body.pause_id as string;
    await approve(running, pauseId, true);
    const remembered = await toolCall(running, push({ tool_use_id: 'toolu_2' }));
    expect(remembered.body).toMatchObject({ decision: 'allow', pause_id: pauseId });
    expect(remembered.body.reason).toContain('for this session');
    expect(typeof remembered.body.response?.remember_until).toBe('string');
    expect((await toolCall(running, push({ tool_use_id: 'toolu_3' }))).body.decision).toBe('allow');
    const events = await fetch(`${running.url}/v1/pauses/${pauseId}/events`, {
      headers: { authorization: `Bearer ${TEST_API_KEY}` },
    });
    const types = ((await events.json()) as { events: Array<{ type: string }> }).events.map((e) => e.type);
    expect(types.filter((t) => t === 'tool.remembered')).toHaveLength(2);
    // Another session, or another command, asks again.
    expect((await toolCall(running, push({ session_id: 'sess-2' }))).body.decision).toBe('pending');
    expect((await toolCall(running, push({ input: { command: 'git push -f' } }))).body.decision).toBe('pending');
  });

  it('a rejection is a deny carrying the comment', async () => {
    const running = await start();
    const pauseId = (await toolCall(running, push())).body.pause_id as string;
    await running.service.decide(pauseId, {
      decision: 'rejected',
      comment: 'not on a Friday',
      responder: 'ops@example.com',
      channel: 'email',
      identities: ['ops@example.com'],
    });
    const answer = await toolCall(running, push({ tool_use_id: 'x' }));
    // The session's question was decided: a new call asks again.
    expect(answer.body.decision).toBe('pending');
    const byId = await running.service.get(pauseId);
    expect(byId?.response?.decision).toBe('rejected');
  });

  it('?wait holds the answer until the human decides', async () => {
    const running = await start();
    const waiting = toolCall(running, push({ tool_use_id: 'toolu_w' }), 20);
    // The same call without waiting joins the question and names it.
    let pauseId: string | undefined;
    for (let i = 0; i < 200 && pauseId === undefined; i++) {
      const joined = await toolCall(running, push());
      if (joined.body.decision === 'pending') pauseId = joined.body.pause_id;
    }
    expect(pauseId).toBeDefined();
    await approve(running, pauseId as string);
    const answer = await waiting;
    expect(answer.body).toMatchObject({ decision: 'allow', pause_id: pauseId });
  });

  it('past the hook wait, a pause without its own timeout has timed out: deny', async () => {
    const running = await start({ LOOPPAUSE_HOOK_WAIT_SECONDS: '1' });
    const answer = await toolCall(running, push(), 1);
    expect(answer.body.decision).toBe('deny');
    expect(answer.body.reason).toContain('timed out');
  });

  it('a tool input too large to store is denied saying why, and nothing is stored', async () => {
    const running = await start();
    const answer = await toolCall(running, push({ input: { command: `git push ${'x'.repeat(70_000)}` } }));
    expect(answer.status).toBe(200);
    expect(answer.body.decision).toBe('deny');
    expect(answer.body.reason).toMatch(/^input: the tool input is \d+ bytes/);
    expect(await pauseCount(running)).toBe(0);
  });

  it('a gateway asking (gateway.read_only): read-only passes without a rule, anything else needs gateway_default_route', async () => {
    const running = await start();
    const read = await toolCall(running, { tool: 'mcp__local__list', input: {}, gateway: { read_only: true } });
    expect(read.body.decision).toBe('allow');
    const write = await toolCall(running, { tool: 'mcp__local__write', input: {}, gateway: { read_only: false } });
    expect(write.body.decision).toBe('deny');
    expect(write.body.reason).toContain('gateway_default_route');
    // Not tool_calls_default (ask) either way.
    expect((await toolCall(running, { tool: 'mcp__local__write', input: {} })).body.decision).toBe('ask');
    const bad = await toolCall(running, { tool: 'x', input: {}, gateway: { read_only: 'yes' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error?.message).toContain('gateway.read_only');
  });

  it('bad input is a 400 naming the field, and changes nothing', async () => {
    const running = await start();
    for (const [body, field] of [
      [{ input: {} }, 'tool'],
      [{ tool: 'Bash', input: 'ls' }, 'input'],
      [{ tool: 'Bash', input: {}, session_id: 7 }, 'session_id'],
      [{ tool: 'Bash', input: {}, extra: true }, 'extra'],
    ] as const) {
      const answer = await toolCall(running, body);
      expect(answer.status).toBe(400);
      expect(answer.body.error?.code).toBe('invalid_argument');
      expect(answer.body.error?.message).toContain(field);
    }
    expect((await toolCall(running, push(), 9999)).status).toBe(400);
    let deep: unknown = 'x';
    for (let i = 0; i < 40; i++) deep = { a: deep };
    const tooDeep = await toolCall(running, { tool: 'Bash', input: { deep } });
    expect(tooDeep.status).toBe(400);
    expect(tooDeep.body.error?.field).toBe('input');
    expect(await pauseCount(running)).toBe(0);
  });
});
