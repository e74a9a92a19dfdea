import { beforeEach, describe, expect, it } from 'vitest';
import type { TaskRecord, TaskStore } from '../../../src/store/ports/tasks.js';
import { freshStoreForEachTest, type StoreFactory } from './factory.js';

let seq = 0;
function task(agentId: string, createdMs: number, pauseId = `pse_${++seq}`): TaskRecord {
  return {
    task_id: `tsk_${String(++seq).padStart(6, '0')}`,
    pause_id: pauseId,
    agent_id: agentId,
    created_at: new Date(createdMs).toISOString(),
  };
}

const DAY = 86_400_000;

async function listAll(store: TaskStore, agentId: string, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 100; i++) {
    const page = await store.listTasks({ agentId, limit, ...(cursor ? { cursor } : {}) });
    if (page === 'invalid_cursor') throw new Error('invalid cursor');
    ids.push(...page.items.map((t) => t.task_id));
    if (!page.next_cursor) return ids;
    cursor = page.next_cursor;
  }
  throw new Error('pagination did not end');
}

/**
 * The MCP task records: the port every adapter implements. `factory` builds a store on
 * the clock it is handed: the tests' clock, an hour ahead of the wall clock, so a retention passes
 * when a test moves the clock past it, never by itself (Redis's own expiry is an hour away).
 */
export function taskStoreConformance(factory: (now: () => number) => StoreFactory<TaskStore>): void {
  let nowMs = 0;
  const stores = factory(() => nowMs);
  describe(`TaskStore conformance (${stores.name})`, () => {
    let store: TaskStore;
    beforeEach(() => {
      nowMs = Date.now() + 3_600_000;
    });
    freshStoreForEachTest(stores, (s) => {
      store = s;
    });

    it('gives a task back to the key that created it, and to no other key', async () => {
      const t = task('agent-a', nowMs);
      await store.createTask(t, nowMs + DAY);
      expect(await store.getTask('agent-a', t.task_id)).toEqual(t);
      expect(await store.getTask('agent-b', t.task_id)).toBeNull();
      expect(await store.getTask('agent-a', 'tsk_unknown')).toBeNull();
    });

    it('answers null for odd ids without throwing', async () => {
      for (const id of ['', ' ', '*', '\u0000', 'tsk_\u{1F600}', 'x'.repeat(100_000), '{looppause}:pause:x', '../..']) {
        expect(await store.getTask('agent-a', id)).toBeNull();
      }
    });

    it('forgets a task once its retention has passed: no get, not listed', async () => {
      const now = nowMs;
      const short = task('agent-a', now);
      const long = task('agent-a', now - 1);
      await store.createTask(short, now + 150);
      await store.createTask(long, now + DAY);
      nowMs = now + 149;
      expect(await store.getTask('agent-a', short.task_id)).toEqual(short);
      expect(await listAll(store, 'agent-a', 10)).toEqual([short.task_id, long.task_id]);
      nowMs = now + 150;
      expect(await store.getTask('agent-a', short.task_id)).toBeNull();
      expect(await listAll(store, 'agent-a', 10)).toEqual([long.task_id]);
    });

    it("lists a key's tasks newest first, paginated, without another key's", async () => {
      const now = nowMs;
      const mine = Array.from({ length: 7 }, (_, i) => task('agent-a', now - i * 1000));
      // Three created in the same millisecond: pagination must neither lose nor repeat them.
      const ties = Array.from({ length: 3 }, () => task('agent-a', now - 3500));
      const theirs = task('agent-b', now + 10);
      for (const t of [...mine, ...ties, theirs]) await store.createTask(t, now + DAY);
      const expected = [...mine, ...ties]
        .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at) || (a.task_id < b.task_id ? 1 : -1))
        .map((t) => t.task_id);
      for (const limit of [1, 2, 3, 10, 50]) expect(await listAll(store, 'agent-a', limit)).toEqual(expected);
      expect(await listAll(store, 'agent-b', 5)).toEqual([theirs.task_id]);
      expect(await listAll(store, 'agent-c', 5)).toEqual([]);
      const first = await store.listTasks({ agentId: 'agent-a', limit: 3 });
      expect(first).not.toBe('invalid_cursor');
      if (first !== 'invalid_cursor') {
        expect(first.items).toEqual([mine[0], mine[1], mine[2]]);
        expect(first.next_cursor).toEqual(expect.any(String));
      }
    });

    it('refuses a cursor it did not give', async () => {
      await store.createTask(task('agent-a', nowMs), nowMs + DAY);
      for (const cursor of ['', 'nope', '%%%', 'x'.repeat(10_000)]) {
        expect(await store.listTasks({ agentId: 'agent-a', limit: 5, cursor })).toBe('invalid_cursor');
      }
    });

    it('keeps two tasks on one pause apart', async () => {
      const now = nowMs;
      const a = task('agent-a', now, 'pse_same');
      const b = task('agent-a', now + 1, 'pse_same');
      await store.createTask(a, now + DAY);
      await store.createTask(b, now + DAY);
      expect((await store.getTask('agent-a', a.task_id))?.pause_id).toBe('pse_same');
      expect(await listAll(store, 'agent-a', 10)).toEqual([b.task_id, a.task_id]);
    });

    it('a gateway task keeps its call, and takes one result: the first stays, whoever races', async () => {
      const call = {
        server: 'files',
        tool: 'write_file',
        ttl_ms: 60_000,
        arguments: JSON.stringify({ path: '/a', content: 'é/\u2028"' }),
      };
      const t = { ...task('agent-a', nowMs), gateway: call };
      await store.createTask(t, nowMs + DAY);
      expect(await store.getTask('agent-a', t.task_id)).toEqual(t);
      const results = ['{"content":[{"type":"text","text":"one"}]}', '{"content":[],"isError":true}', '{"x":[]}'];
      const outcomes = await Promise.all(results.map((r) => store.settleTask('agent-a', t.task_id, r)));
      expect(outcomes.filter((o) => o === 'settled')).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'already')).toHaveLength(2);
      const settled = await store.getTask('agent-a', t.task_id);
      expect(settled?.gateway).toEqual({ ...call, result: results[outcomes.indexOf('settled')] });
      expect(settled?.gateway?.forwarder).toBeUndefined();
      expect(await store.settleTask('agent-a', t.task_id, '{}')).toBe('already');
      // Who forwards it is set once too, apart from the result.
      const holders = await Promise.all(['a', 'b'].map((h) => store.holdTaskForward('agent-a', t.task_id, h)));
      expect([...holders].sort()).toEqual(['already', 'settled']);
      const forwarder = (await store.getTask('agent-a', t.task_id))?.gateway?.forwarder;
      expect(forwarder).toBe(['a', 'b'][holders.indexOf('settled')]);
      // Listed as it is, result and forwarder and all.
      const page = await store.listTasks({ agentId: 'agent-a', limit: 5 });
      expect(page !== 'invalid_cursor' && page.items[0]).toEqual(await store.getTask('agent-a', t.task_id));
    });

    it('settles no task of another key, none without a gateway call, none past its retention', async () => {
      const plain = task('agent-a', nowMs);
      const gateway = { ...task('agent-a', nowMs), gateway: { server: 's', tool: 't', arguments: '{}' } };
      await store.createTask(plain, nowMs + DAY);
      await store.createTask(gateway, nowMs + 100);
      expect(await store.settleTask('agent-a', plain.task_id, '{}')).toBe('not_found');
      expect(await store.holdTaskForward('agent-a', plain.task_id, 'h')).toBe('not_found');
      expect(await store.holdTaskForward('agent-b', gateway.task_id, 'h')).toBe('not_found');
      expect(await store.settleTask('agent-b', gateway.task_id, '{}')).toBe('not_found');
      expect(await store.settleTask('agent-a', 'tsk_unknown', '{}')).toBe('not_found');
      expect(await store.getTask('agent-a', plain.task_id)).toEqual(plain);
      nowMs += 100;
      expect(await store.settleTask('agent-a', gateway.task_id, '{}')).toBe('not_found');
      nowMs -= 100;
      expect((await store.getTask('agent-a', gateway.task_id))?.gateway?.result).toBeUndefined();
    });
  });
}
