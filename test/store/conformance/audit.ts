import { describe, expect, it } from 'vitest';
import { voterKeys } from '../../../src/domain/approvals/index.js';
import { ChainVerifier, entryHash, parseEntry, sealedLine } from '../../../src/domain/audit/chain.js';
import type { AuditLog, StoredAuditEntry } from '../../../src/store/ports/audit.js';
import type { PauseStore } from '../../../src/store/ports/pauses.js';
import { pauseAt, responseFor } from '../../helpers/pauses.js';
import { freshStoreForEachTest, type StoreFactory } from './factory.js';

/** Reads the whole log, page by page, as `audit verify` does. */
async function wholeLog(store: AuditLog, pageSize = 3): Promise<StoredAuditEntry[]> {
  const all: StoredAuditEntry[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await store.readAudit({ limit: pageSize, ...(cursor === undefined ? {} : { cursor }) });
    all.push(...page.entries);
    if (page.cursor === null) return all;
    cursor = page.cursor;
  }
}

async function verify(store: AuditLog) {
  const verifier = new ChainVerifier(await store.auditAnchor());
  for (const entry of await wholeLog(store)) if (!verifier.push(entry)) break;
  return verifier.verdict(await store.auditHead());
}

const types = (entries: StoredAuditEntry[]) => entries.map((e) => parseEntry(e.body, e.prev).type);

/** The audit log: every pause change appended in its own step, chained, readable, trimmable. */
export function auditConformance<S extends PauseStore & AuditLog>(factory: StoreFactory<S>): void {
  describe(`AuditLog conformance: ${factory.name}`, () => {
    let store: S;
    const now = Date.now();
    freshStoreForEachTest(factory, (s) => {
      store = s;
    });

    it('records each change of a pause on its timeline, in order, with who did it', async () => {
      const pause = pauseAt(now, { plan: { quorum: 2, remind_after_ms: [], escalate: [], on_timeout: 'timed_out' } });
      await store.createPause({ pause, jobs: [] });
      await store.setDelivery(
        pause.pause_id,
        'slack',
        { state: 'posted', channel: 'C1', ts: '1.2', at: '' },
        {
          type: 'pause.delivered',
          actor: 'system',
          data: { surface: 'slack' },
          atMs: now,
        },
      );
      await store.setDelivery(pause.pause_id, 'email', { state: 'scheduled', attempts: 0, at: '' });
      const vote = (who: string) => ({
        decision: 'approved' as const,
        responder: who,
        channel: 'email' as const,
        responded_at: new Date(now).toISOString(),
        comment: 'ok',
        fields: {},
        voters: voterKeys([who]),
      });
      await store.castVote(pause.pause_id, { vote: vote('ada@acme.com'), expectedVotes: 0 }, now);
      await store.castVote(
        pause.pause_id,
        { vote: vote('bob@acme.com'), expectedVotes: 1, response: responseFor(pause, 'approved', 'bob@acme.com') },
        now,
      );
      const timeline = await store.pauseTimeline(pause.pause_id);
      expect(types(timeline)).toEqual([
        'pause.created',
        'pause.delivered',
        'pause.voted',
        'pause.voted',
        'pause.decided',
      ]);
      const entries = timeline.map((e) => parseEntry(e.body, e.prev));
      expect(entries.map((e) => e.actor)).toEqual([
        'key:agent-a',
        'system',
        'ada@acme.com',
        'bob@acme.com',
        'bob@acme.com',
      ]);
      expect(entries.every((e) => e.pause_id === pause.pause_id)).toBe(true);
      expect(entries[4]?.data).toMatchObject({ decision: 'approved', channel: 'slack' });
      expect(entries[0]?.data).toMatchObject({ action: pause.request.action_description, recipient_slack: '#ops' });
      expect(new Date(entries[0]?.at ?? '').toISOString()).toBe(entries[0]?.at);
    });

    it("keeps every voter's own answers on their pause.voted entry, in the one body layout both stores write", async () => {
      const pause = pauseAt(now, { plan: { quorum: 2, remind_after_ms: [], escalate: [], on_timeout: 'timed_out' } });
      await store.createPause({ pause, jobs: [] });
      const vote = (who: string, fields: Record<string, string>, comment = '') => ({
        decision: 'approved' as const,
        responder: who,
        channel: 'email' as const,
        responded_at: new Date(now).toISOString(),
        comment,
        fields,
        voters: voterKeys([who]),
      });
      const first = vote('ada@acme.com', { ticket: 'OPS-1', reason: 'backup "ok" ✓' }, 'fine');
      const second = vote('bob@acme.com', { ticket: 'OPS-2' });
      await store.castVote(pause.pause_id, { vote: first, expectedVotes: 0 }, now);
      await store.castVote(
        pause.pause_id,
        { vote: second, expectedVotes: 1, response: responseFor(pause, 'approved', 'bob@acme.com') },
        now,
      );
      await store.castVote(pause.pause_id, { vote: vote('cy@acme.com', {}), expectedVotes: 2 }, now);
      const timeline = await store.pauseTimeline(pause.pause_id);
      const voted = timeline.map((e) => parseEntry(e.body, e.prev)).filter((e) => e.type === 'pause.voted');
      expect(voted.map((e) => e.data)).toEqual([
        {
          decision: 'approved',
          channel: 'email',
          comment: 'fine',
          fields: { reason: 'backup "ok" ✓', ticket: 'OPS-1' },
        },
        { decision: 'approved', channel: 'email', fields: { ticket: 'OPS-2' } },
      ]);
      const bodies = timeline.map((e) => e.body).filter((body) => body.includes('"type":"pause.voted"'));
      expect(bodies[0]).toContain(
        `"actor":"ada@acme.com","data":{"decision":"approved","channel":"email","comment":"fine","fields":{"reason":"backup \\"ok\\" ✓","ticket":"OPS-1"}}}`,
      );
      expect(bodies[1]).toContain(`"data":{"decision":"approved","channel":"email","fields":{"ticket":"OPS-2"}}}`);
    });

    it('leaves fields out of a pause.voted entry when the voter answered none', async () => {
      const pause = pauseAt(now, { plan: { quorum: 2, remind_after_ms: [], escalate: [], on_timeout: 'timed_out' } });
      await store.createPause({ pause, jobs: [] });
      const vote = {
        decision: 'approved' as const,
        responder: 'ada@acme.com',
        channel: 'slack' as const,
        responded_at: new Date(now).toISOString(),
        comment: '',
        fields: {},
        voters: voterKeys(['ada@acme.com']),
      };
      await store.castVote(pause.pause_id, { vote, expectedVotes: 0 }, now);
      const entry = (await store.pauseTimeline(pause.pause_id)).at(-1) as StoredAuditEntry;
      expect(entry.body).toContain(`"data":{"decision":"approved","channel":"slack"}}`);
    });

    it('names the ending: cancelled by the agent, timed out, decided by the policy at the deadline', async () => {
      const cancelled = pauseAt(now);
      const timedOut = pauseAt(now, {}, 1000);
      const policyTimeout = pauseAt(now, { timeout_decision: { decision: 'rejected', rule: 'payments' } }, 1000);
      const policyNow = pauseAt(now);
      for (const pause of [cancelled, timedOut, policyTimeout, policyNow]) await store.createPause({ pause, jobs: [] });
      await store.cancel(cancelled.pause_id, 'moot', now, 'key:agent-a');
      await store.sweepExpired(now + 1000, 10);
      // The runner signs the policy's decision at the deadline and ends the pause with it.
      await store.endAtDeadline(
        policyTimeout.pause_id,
        responseFor(policyTimeout, 'rejected', 'policy:payments'),
        now + 1000,
      );
      await store.endByPolicy(policyNow.pause_id, responseFor(policyNow, 'approved', 'policy:small'), now);
      const last = async (id: string) => {
        const timeline = await store.pauseTimeline(id);
        const entry = timeline.at(-1);
        return entry ? parseEntry(entry.body, entry.prev) : undefined;
      };
      expect(await last(cancelled.pause_id)).toMatchObject({
        type: 'pause.cancelled',
        actor: 'key:agent-a',
        data: { reason: 'moot' },
      });
      expect(await last(timedOut.pause_id)).toMatchObject({ type: 'pause.timed_out', actor: 'system' });
      expect(await last(policyTimeout.pause_id)).toMatchObject({
        type: 'pause.policy_decided',
        actor: 'policy:payments',
        data: { decision: 'rejected', on_timeout: true },
      });
      expect(await last(policyNow.pause_id)).toMatchObject({ type: 'pause.policy_decided', actor: 'policy:small' });
    });

    it('chains every entry to the one before: the whole log verifies, and each line hashes into the next prev', async () => {
      for (let i = 0; i < 4; i++) {
        const pause = pauseAt(now);
        await store.createPause({ pause, jobs: [] });
        await store.cancel(pause.pause_id, undefined, now);
      }
      await store.appendAudit({ type: 'key.created', actor: 'admin@acme.com', data: { name: 'ci' } }, now);
      const log = await wholeLog(store);
      expect(log.map((e) => parseEntry(e.body, e.prev).seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
      for (let i = 1; i < log.length; i++) {
        const before = log[i - 1] as StoredAuditEntry;
        expect(log[i]?.prev).toBe(entryHash(before.body, before.prev as string));
        // What `audit export` writes is the line whose SHA-256 the next entry's prev is.
        expect(JSON.parse(sealedLine(before.body, before.prev as string)).prev).toBe(before.prev);
      }
      expect(await verify(store)).toMatchObject({ ok: true, checked: 9, unsealed: 0 });
      expect(await store.auditHead()).toEqual({ seq: 9, hash: entryHash(log[8]?.body ?? '', log[8]?.prev ?? '') });
    });

    it('reads from a time on, a page at a time', async () => {
      await store.appendAudit({ type: 'key.created', actor: 'a', data: {} }, now - 60_000);
      await store.appendAudit({ type: 'key.revoked', actor: 'a', data: {} }, now);
      const since = await store.readAudit({ sinceMs: now - 1000, limit: 10 });
      expect(types(since.entries)).toEqual(['key.revoked']);
      expect(since.cursor).toBeNull();
    });

    it('drops old entries and keeps the chain verifiable from the anchor', async () => {
      for (let i = 0; i < 3; i++) await store.appendAudit({ type: 'key.created', actor: 'a', data: { i } }, now);
      await new Promise((resolve) => setTimeout(resolve, 5));
      const cut = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 5));
      for (let i = 0; i < 2; i++) await store.appendAudit({ type: 'key.revoked', actor: 'a', data: { i } }, Date.now());
      const before = await wholeLog(store);
      expect(await store.trimAudit(cut, 100)).toBe(3);
      expect(await store.auditAnchor()).toEqual({
        seq: 3,
        hash: entryHash(before[2]?.body ?? '', before[2]?.prev ?? ''),
      });
      expect(types(await wholeLog(store))).toEqual(['key.revoked', 'key.revoked']);
      expect(await verify(store)).toMatchObject({ ok: true, checked: 2 });
      expect(await store.trimAudit(cut, 100)).toBe(0);
    });

    it('a timeline skips what a trim dropped and keeps the rest, in order', async () => {
      const pause_id = 'p_timeline_trim';
      for (let i = 0; i < 2; i++)
        await store.appendAudit({ type: 'key.created', pause_id, actor: 'a', data: { i } }, now);
      await store.appendAudit({ type: 'key.created', actor: 'a', data: {} }, now);
      await new Promise((resolve) => setTimeout(resolve, 5));
      const cut = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 5));
      for (let i = 0; i < 2; i++) {
        await store.appendAudit({ type: 'key.revoked', pause_id, actor: 'a', data: { i } }, Date.now());
      }
      expect(await store.trimAudit(cut, 100)).toBe(3);
      const timeline = await store.pauseTimeline(pause_id);
      expect(timeline.map((e) => JSON.parse(e.body).data.i)).toEqual([0, 1]);
      expect(types(timeline)).toEqual(['key.revoked', 'key.revoked']);
    });
  });
}
