import { describe, expect, it } from 'vitest';
import type { Pause } from '../../../src/domain/pause.js';
import { signDecision } from '../../../src/domain/signing.js';
import { toolCallDigest } from '../../../src/domain/tool-calls.js';
import type { Store } from '../../../src/store/store.js';
import { pauseAt } from '../../helpers/pauses.js';
import { freshStoreForEachTest, type StoreFactory } from './factory.js';

const SECRET = 'conformance-secret-0123456789abcdef-xyz';
const CALL = { tool: 'Bash', input: { command: 'git push --force origin main' }, session_id: 's-1', cwd: '/repo' };
const JOIN = 'session s-1 / Bash / digest';
const AUDIT = { actor: 'key:agent-a', data: { tool: 'Bash', session_id: 's-1' } };

/** A pending tool-call pause of agent-a, asking about CALL, created at `nowMs`. */
function toolPause(nowMs: number, overrides: Partial<Pause> = {}, timeoutMs = 3_600_000): Pause {
  const base = pauseAt(nowMs, { ...overrides }, timeoutMs);
  return {
    ...base,
    tool_call: { ...CALL, source: 'claude-code' },
    plan: { quorum: 1, remind_after_ms: [], escalate: [], on_timeout: 'timed_out', remember_ms: 3_600_000 },
    action_digest: toolCallDigest(CALL),
  };
}

/** The approval of `pause`, remembered for the session until `until` when given. */
function approval(pause: Pause, atMs: number, until?: number) {
  return signDecision(SECRET, {
    decision: 'approved',
    comment: '',
    fields: {},
    responder: 'ada@example.com',
    responded_at: new Date(atMs).toISOString(),
    channel: 'slack',
    nonce: `n-${pause.pause_id}`,
    pause_id: pause.pause_id,
    action_digest: pause.action_digest,
    ...(until === undefined ? {} : { remember_until: new Date(until).toISOString() }),
  });
}

/** Tool calls: the same call joins its pending pause; an approval for the session answers later ones. */
export function toolCallJoinConformance(factory: StoreFactory<Store>): void {
  describe(`Tool-call joins conformance: ${factory.name}`, () => {
    let store: Store;
    const now = Date.now();
    freshStoreForEachTest(factory, (s) => {
      store = s;
    });

    it('keeps the tool call on the pause and binds the digest to {tool, input}', async () => {
      const pause = toolPause(now);
      expect((await store.createPause({ pause, jobs: [], join: { key: JOIN, audit: AUDIT } })).outcome).toBe('created');
      const read = await store.getPause(pause.pause_id);
      expect(read?.tool_call).toEqual({ ...CALL, source: 'claude-code' });
      expect(read?.action_digest).toBe(toolCallDigest(CALL));
    });

    it('a second call with the same join key joins the pending pause; per agent', async () => {
      const first = toolPause(now);
      await store.createPause({ pause: first, jobs: [], join: { key: JOIN, audit: AUDIT } });
      const second = toolPause(now + 10);
      const joined = await store.createPause({ pause: second, jobs: [], join: { key: JOIN, audit: AUDIT } });
      expect(joined.outcome).toBe('existing');
      expect(joined.outcome === 'existing' && joined.pause.pause_id).toBe(first.pause_id);
      expect(await store.getPause(second.pause_id)).toBeNull();
      const other = toolPause(now + 20, { agent_id: 'agent-b' });
      expect((await store.createPause({ pause: other, jobs: [], join: { key: JOIN, audit: AUDIT } })).outcome).toBe(
        'created',
      );
    });

    it('a joined call with a tool_use_id binds that id to the pending pause too', async () => {
      const first = toolPause(now);
      await store.createPause({ pause: first, jobs: [], join: { key: JOIN, audit: AUDIT } });
      const idempotency = { key: 'toolu_02', requestDigest: 'd-2' };
      const second = toolPause(now + 10);
      await store.createPause({ pause: second, jobs: [], idempotency, join: { key: JOIN, audit: AUDIT } });
      await store.endByPolicy(first.pause_id, approval(first, now + 20), now + 20);
      // The id now names the first pause (ended): the same call by id is that decision, not a new question.
      const retry = await store.createPause({
        pause: toolPause(now + 30),
        jobs: [],
        idempotency,
        join: { key: JOIN, audit: AUDIT },
      });
      expect(retry.outcome === 'existing' && retry.pause.pause_id).toBe(first.pause_id);
    });

    it('an approval nobody acted on is joined; once claimed, or when the pause ends otherwise, the same call asks again', async () => {
      const first = toolPause(now);
      await store.createPause({ pause: first, jobs: [], join: { key: JOIN, audit: AUDIT } });
      await store.endByPolicy(first.pause_id, approval(first, now + 5), now + 5);
      const late = await store.createPause({ pause: toolPause(now + 10), jobs: [], join: { key: JOIN, audit: AUDIT } });
      expect(late.outcome === 'existing' && late.pause.pause_id).toBe(first.pause_id);
      expect(await store.claimApproval(first.pause_id, 'hook-1')).toBe('claimed');
      expect((await store.getPause(first.pause_id))?.approval_claim).toBe('hook-1');
      const again = toolPause(now + 20);
      expect((await store.createPause({ pause: again, jobs: [], join: { key: JOIN, audit: AUDIT } })).outcome).toBe(
        'created',
      );
      await store.cancel(again.pause_id, 'gone', now + 30);
      const third = toolPause(now + 40);
      expect((await store.createPause({ pause: third, jobs: [], join: { key: JOIN, audit: AUDIT } })).outcome).toBe(
        'created',
      );
    });

    it('an approval is claimed once: the same claimant keeps it, another is told it is used; only approvals', async () => {
      const pause = toolPause(now);
      await store.createPause({ pause, jobs: [] });
      expect(await store.claimApproval(pause.pause_id, 'a')).toBe('not_approved');
      await store.endByPolicy(pause.pause_id, approval(pause, now + 5), now + 5);
      const racing = await Promise.all(['a', 'b', 'c', 'd'].map((who) => store.claimApproval(pause.pause_id, who)));
      expect(racing.filter((r) => r === 'claimed')).toHaveLength(1);
      const winner = ['a', 'b', 'c', 'd'][racing.indexOf('claimed')] as string;
      expect(await store.claimApproval(pause.pause_id, winner)).toBe('claimed');
      const rejected = toolPause(now);
      await store.createPause({ pause: rejected, jobs: [] });
      await store.endByPolicy(
        rejected.pause_id,
        { ...approval(rejected, now + 5), decision: 'rejected' as const },
        now + 5,
      );
      expect(await store.claimApproval(rejected.pause_id, 'a')).toBe('not_approved');
      expect(await store.claimApproval('pse_nope', 'a')).toBe('not_approved');
    });

    it('a pause past its deadline (not yet swept) is not joined', async () => {
      const first = toolPause(now - 10_000, {}, 5_000);
      await store.createPause({ pause: first, jobs: [], join: { key: JOIN, audit: AUDIT } });
      const again = toolPause(now);
      expect((await store.createPause({ pause: again, jobs: [], join: { key: JOIN, audit: AUDIT } })).outcome).toBe(
        'created',
      );
    });

    it('an approval for the session answers the same call until it lapses, each use on the audit log', async () => {
      const first = toolPause(now);
      await store.createPause({ pause: first, jobs: [], join: { key: JOIN, audit: AUDIT } });
      await store.endByPolicy(first.pause_id, approval(first, now + 5, now + 60_000), now + 5);
      const later = await store.createPause({
        pause: toolPause(now + 10),
        jobs: [],
        join: { key: JOIN, audit: AUDIT },
      });
      expect(later.outcome).toBe('remembered');
      expect(later.outcome === 'remembered' && later.pause.pause_id).toBe(first.pause_id);
      await store.createPause({ pause: toolPause(now + 20), jobs: [], join: { key: JOIN, audit: AUDIT } });
      const remembered = (await store.pauseTimeline(first.pause_id))
        .map((e) => JSON.parse(e.body) as { type: string; actor: string; data: unknown })
        .filter((e) => e.type === 'tool.remembered');
      expect(remembered).toHaveLength(2);
      expect(remembered[0]?.actor).toBe('key:agent-a');
      expect(remembered[0]?.data).toEqual(AUDIT.data);
      // Past the window the call asks again, and a new pause takes the key.
      const lapsed = toolPause(now + 61_000);
      expect((await store.createPause({ pause: lapsed, jobs: [], join: { key: JOIN, audit: AUDIT } })).outcome).toBe(
        'created',
      );
    });

    it('another key (another session, tool or input) is another question', async () => {
      const first = toolPause(now);
      await store.createPause({ pause: first, jobs: [], join: { key: JOIN, audit: AUDIT } });
      await store.endByPolicy(first.pause_id, approval(first, now + 5, now + 60_000), now + 5);
      const other = toolPause(now + 10);
      expect(
        (await store.createPause({ pause: other, jobs: [], join: { key: `${JOIN} other`, audit: AUDIT } })).outcome,
      ).toBe('created');
    });

    it('racing identical calls make one pause', async () => {
      const calls = Array.from({ length: 8 }, (_, i) => toolPause(now + i));
      const results = await Promise.all(
        calls.map((pause) => store.createPause({ pause, jobs: [], join: { key: JOIN, audit: AUDIT } })),
      );
      expect(results.filter((r) => r.outcome === 'created')).toHaveLength(1);
      const ids = new Set(results.map((r) => (r.outcome === 'conflict' ? r.pauseId : r.pause.pause_id)));
      expect(ids.size).toBe(1);
    });
  });
}
