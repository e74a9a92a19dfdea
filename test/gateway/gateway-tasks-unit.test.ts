import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import type { Pause } from '../../src/domain/pause.js';
import { type ToolCallAnswer, toolCallDigest } from '../../src/domain/tool-calls.js';
import { type GatewayTaskDeps, GatewayTasks, MAX_KEPT_RESULT_BYTES } from '../../src/gateway/tasks.js';
import type { Upstream } from '../../src/gateway/upstream.js';
import { MemoryTaskStore } from '../../src/store/memory-tasks.js';

/**
 * GatewayTasks against a fake service and upstream, for what the end-to-end tests cannot force:
 * a failure after the forwarder is held, a forward that is slow on purpose, a replica that died.
 */
function world(options: { readOnly?: boolean; upstreamResult?: () => Promise<CallToolResult> } = {}) {
  let clock = Date.parse('2026-12-04T10:00:00Z');
  const pauses = new Map<string, { status: Pause['status']; digest: string; claim?: string }>();
  const forwarded: unknown[] = [];
  const failures: unknown[] = [];
  let failNextClaim = false;
  let decideAtOnce = false;
  let seq = 0;
  const pauseOf = (id: string): Pause | null => {
    const p = pauses.get(id);
    if (!p) return null;
    return {
      pause_id: id,
      status: p.status,
      expires_at: new Date(clock + 600_000).toISOString(),
      ...(p.status === 'responded'
        ? { response: { decision: 'approved', responded_at: new Date(clock).toISOString() } }
        : {}),
    } as unknown as Pause;
  };
  const answerOf = (id: string): ToolCallAnswer => {
    const p = pauses.get(id);
    if (!p || p.status === 'pending') return { decision: 'pending', pause_id: id };
    if (p.status !== 'responded') return { decision: 'deny', pause_id: id, reason: p.status };
    return {
      decision: 'allow',
      pause_id: id,
      response: { decision: 'approved', action_digest: p.digest } as ToolCallAnswer['response'],
    };
  };
  const service: GatewayTaskDeps['service'] = {
    async toolCall(_agent, call, opts) {
      if (options.readOnly) return { decision: 'allow', reason: 'read-only' };
      const id = `pse_${String(++seq).padStart(26, 'a')}`;
      const c = call as { tool: string; input: Record<string, unknown> };
      pauses.set(id, { status: decideAtOnce ? 'responded' : 'pending', digest: toolCallDigest(c) });
      if (!decideAtOnce) return { decision: 'pending', pause_id: id };
      (pauses.get(id) as { claim?: string }).claim = (opts as { claimant?: string }).claimant;
      return answerOf(id);
    },
    async awaitToolCall(_agent, id) {
      return answerOf(id);
    },
    async claimToolCall(answer, claimant) {
      if (failNextClaim) {
        failNextClaim = false;
        throw new Error('the store blinked');
      }
      const p = answer.pause_id ? pauses.get(answer.pause_id) : undefined;
      if (!p) return answer;
      if (p.claim !== undefined && p.claim !== claimant) return { decision: 'deny', reason: 'used by another call' };
      p.claim = claimant;
      return answer;
    },
    async getOwn(_agent, id) {
      return pauseOf(id);
    },
    async cancel(_agent, args) {
      const p = pauses.get((args as { pause_id: string }).pause_id);
      if (!p) return { cancelled: false } as never;
      if (p.status !== 'pending') return { cancelled: false } as never;
      p.status = 'cancelled';
      return { cancelled: true } as never;
    },
  };
  const upstream = {
    name: 'files',
    async tool(name: string) {
      return { tool: { name, inputSchema: { type: 'object' as const } }, readOnly: options.readOnly ?? false };
    },
    async callTool(_name: string, input: unknown): Promise<CallToolResult> {
      forwarded.push(input);
      return options.upstreamResult ? options.upstreamResult() : { content: [{ type: 'text', text: 'done' }] };
    },
  } as unknown as Upstream;
  const store = new MemoryTaskStore(() => clock);
  const deps: GatewayTaskDeps = {
    service,
    audit: { appendAudit: async () => undefined } as unknown as GatewayTaskDeps['audit'],
    waitSeconds: 1,
    lifetimeSeconds: 600,
    now: () => clock,
    tasks: store,
    onFailure: (error) => failures.push(error),
  };
  return {
    tasks: new GatewayTasks(deps, 'agent-a', upstream),
    store,
    forwarded,
    failures,
    approveAll: () => {
      for (const p of pauses.values()) p.status = 'responded';
    },
    failNextClaim: () => {
      failNextClaim = true;
    },
    decideAtOnce: () => {
      decideAtOnce = true;
    },
    advance: (ms: number) => {
      clock += ms;
    },
    now: () => clock,
  };
}

const signal = () => new AbortController().signal;
const text = (r: CallToolResult) => (r.content[0] as { text?: string } | undefined)?.text ?? '';

describe('gateway tasks, forced failures', () => {
  it('a failure once the forwarder is held is the task’s recorded result: answered the same every time, never forwarded', async () => {
    const w = world();
    const { task } = await w.tasks.start('write_file', { path: '/x', content: 'y' });
    w.approveAll();
    w.failNextClaim();
    const first = await w.tasks.result({ taskId: task.taskId }, signal());
    expect(first.isError).toBe(true);
    expect(text(first)).toMatch(/could not complete this call .* not sent again/);
    expect(w.failures).toHaveLength(1);
    const again = await w.tasks.result({ taskId: task.taskId }, signal());
    expect(text(again)).toBe(text(first));
    expect((await w.tasks.get({ taskId: task.taskId })).status).toBe('completed');
    expect(w.forwarded).toEqual([]);
  });

  it('start() holds the forwarder before it forwards a call allowed at once: a tasks/result meanwhile waits for that one result', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let reached: () => void = () => undefined;
    const forwarding = new Promise<void>((resolve) => {
      reached = resolve;
    });
    const w = world({
      upstreamResult: async () => {
        reached();
        await gate;
        return { content: [{ type: 'text', text: 'the one result' }] };
      },
    });
    w.decideAtOnce();
    const starting = w.tasks.start('write_file', { path: '/x', content: 'y' });
    await forwarding;
    // The id is not out yet; a guess of it (read from the store) finds the forwarder held.
    const page = await w.store.listTasks({ agentId: 'agent-a', limit: 1 });
    const record = page !== 'invalid_cursor' ? page.items[0] : undefined;
    expect(record?.gateway?.forwarder).toMatch(/^gateway-task:tsk_/);
    const racing = w.tasks.result({ taskId: record?.task_id }, signal());
    release();
    const [{ task }, raced] = await Promise.all([starting, racing]);
    expect(task.status).toBe('completed');
    expect(text(raced)).toBe('the one result');
    expect(w.forwarded).toHaveLength(1);
  });

  it('a forwarder whose replica died (held past the upstream timeout, no result): failed, and tasks/result says so at once', async () => {
    const w = world();
    const { task } = await w.tasks.start('write_file', { path: '/x', content: 'y' });
    w.approveAll();
    // What a replica that died mid-forward leaves: the forwarder held, no result.
    await w.store.holdTaskForward('agent-a', task.taskId, `gateway-task:${task.taskId}:dead:${w.now()}`);
    expect((await w.tasks.get({ taskId: task.taskId })).status).toBe('completed');
    w.advance(151_000);
    expect((await w.tasks.get({ taskId: task.taskId })).status).toBe('failed');
    await expect(w.tasks.result({ taskId: task.taskId }, signal())).rejects.toThrow(/interrupted.*not sent again/);
    expect(w.forwarded).toEqual([]);
  });
});

describe('what a gateway task keeps', () => {
  it('a call concluded at once keeps no arguments, and only for the client’s ttl (a minute without one, ten at most)', async () => {
    for (const [ttl, kept] of [
      [undefined, 60_000],
      [10_000, 10_000],
      [7 * 86_400_000, 600_000],
    ] as const) {
      const w = world({ readOnly: true });
      const { task } = await w.tasks.start('read_text_file', { path: '/big', pad: 'z'.repeat(50_000) }, ttl);
      expect(task.status).toBe('completed');
      // The task says how long it is kept, and it is kept exactly that long.
      expect(task.ttl).toBe(kept);
      expect((await w.store.getTask('agent-a', task.taskId))?.gateway?.arguments).toBe('');
      w.advance(kept - 1);
      expect(await w.store.getTask('agent-a', task.taskId)).not.toBeNull();
      w.advance(1);
      expect(await w.store.getTask('agent-a', task.taskId)).toBeNull();
    }
  });

  it('a result larger than a task keeps is recorded as a tool error saying so', async () => {
    const big = 'x'.repeat(MAX_KEPT_RESULT_BYTES);
    const w = world({ readOnly: true, upstreamResult: async () => ({ content: [{ type: 'text', text: big }] }) });
    const { task } = await w.tasks.start('read_text_file', { path: '/big' });
    const result = await w.tasks.result({ taskId: task.taskId }, signal());
    expect(result.isError).toBe(true);
    expect(text(result)).toMatch(/more than the 1048576 a task keeps; call this tool without task/);
    const small = world({ readOnly: true });
    const ok = await small.tasks.result(
      { taskId: (await small.tasks.start('read_text_file', {})).task.taskId },
      signal(),
    );
    expect(text(ok)).toBe('done');
  });
});
