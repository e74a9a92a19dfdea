import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ANY_ADMIN, decidersOf, type Vote } from '../../../src/domain/approvals/index.js';
import type { Pause } from '../../../src/domain/pause.js';
import { humanKey } from '../../../src/domain/policy/humans.js';
import type { PauseStore } from '../../../src/store/ports/pauses.js';
import { pauseAt, responseFor } from '../../helpers/pauses.js';
import { freshStoreForEachTest, type StoreFactory } from './factory.js';

const request = (fields: Partial<Pause['request']>): Pause['request'] => ({
  action_description: 'Wire funds',
  action_details: {},
  timeout_hours: 1,
  response_fields: [],
  ...fields,
});

/** Every page of listWaiting for these deciders, as ids, with the page size given. */
async function allWaiting(store: PauseStore, deciders: string[], limit: number): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 1000; pages++) {
    const page = await store.listWaiting({ deciders, limit, ...(cursor ? { cursor } : {}) });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    ids.push(...page.items.map((p) => p.pause_id));
    if (!page.next_cursor) return ids;
    cursor = page.next_cursor;
  }
  throw new Error('listWaiting never ended');
}

const newestFirst = (pauses: Pause[]) =>
  [...pauses]
    .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at) || (a.pause_id < b.pause_id ? 1 : -1))
    .map((p) => p.pause_id);

/** The Waiting page's read: pending pauses by whom they wait on, whatever else is pending. */
export function waitingConformance<S extends PauseStore>(factory: StoreFactory<S>): void {
  describe(`waiting conformance: ${factory.name}`, () => {
    let store: S;
    const now = Date.now();
    freshStoreForEachTest(factory, (s) => {
      store = s;
    });

    it('finds a decider’s pending pauses behind a flood of pauses to others, newest first', async () => {
      const victim = 'victim@acme.com';
      const mine = [
        pauseAt(now - 5000, { request: request({ recipient_email: 'Victim@ACME.com' }) }),
        pauseAt(now - 4000, { request: request({ recipient_email: 'x@acme.com', approvers: ['a@acme.com', victim] }) }),
        pauseAt(now - 3000, {
          request: request({ recipient_email: 'x@acme.com', approvers: ['a@acme.com'] }),
          plan: {
            quorum: 1,
            remind_after_ms: [],
            escalate: [{ after_ms: 60_000, approvers: [victim] }],
            on_timeout: 'timed_out',
          },
        }),
      ];
      for (const pause of mine) await store.createPause({ pause, jobs: [] });
      for (let i = 0; i < 120; i++) {
        const to = i % 2 === 0 ? { recipient_email: 'other@acme.com' } : { approvers: ['other@acme.com'] };
        await store.createPause({ pause: pauseAt(now - 2000 + i, { request: request(to) }), jobs: [] });
      }
      // Named as recipient, but approvers decide: not hers.
      await store.createPause({
        pause: pauseAt(now, { request: request({ recipient_email: victim, approvers: ['a@acme.com'] }) }),
        jobs: [],
      });
      const page = await store.listWaiting({ deciders: [humanKey(victim)], limit: 10 });
      expect(page.items.map((p) => p.pause_id)).toEqual(newestFirst(mine));
      expect(page.next_cursor).toBeNull();
      expect(page.items[0]).toEqual(mine[2]);
    });

    it('a pause leaves the lists in the step that ends it, however it ends; a counted vote keeps it', async () => {
      const who = 'ann@acme.com';
      const to = { request: request({ approvers: [who, 'bo@acme.com'] }) };
      const [cancelled, decided, voted, swept, counted] = [
        pauseAt(now, to),
        pauseAt(now, to),
        pauseAt(now, to),
        pauseAt(now, to, 1000),
        pauseAt(now, { ...to, plan: { quorum: 2, remind_after_ms: [], escalate: [], on_timeout: 'timed_out' } }),
      ] as [Pause, Pause, Pause, Pause, Pause];
      for (const pause of [cancelled, decided, voted, swept, counted]) await store.createPause({ pause, jobs: [] });
      expect(await allWaiting(store, [who], 2)).toHaveLength(5);
      const ballot = (pause: Pause, close: boolean) => {
        const response = responseFor(pause, 'approved', who);
        const vote: Vote = {
          decision: 'approved',
          responder: who,
          channel: 'web',
          responded_at: response.responded_at,
          comment: '',
          fields: {},
          voters: [who],
        };
        return { vote, expectedVotes: 0, ...(close ? { response } : {}) };
      };
      await store.cancel(cancelled.pause_id, undefined, now);
      await store.endByPolicy(decided.pause_id, responseFor(decided), now);
      expect((await store.castVote(voted.pause_id, ballot(voted, true), now)).outcome).toBe('ended');
      expect((await store.castVote(counted.pause_id, ballot(counted, false), now)).outcome).toBe('counted');
      await store.sweepExpired(now + 1000, 10);
      expect(await allWaiting(store, [who, 'bo@acme.com'], 2)).toEqual([counted.pause_id]);
    });

    it('any admin is a decider of pauses without approvers only; several deciders page as one list, each pause once', async () => {
      const open = pauseAt(now - 3, { request: request({ recipient_slack: 'U0CAROL001' }) });
      const named = pauseAt(now - 2, { request: request({ approvers: ['U0CAROL001', 'carol@acme.com'] }) });
      const tie = pauseAt(now - 2, { request: request({ recipient_email: 'carol@acme.com' }) });
      const approvers = pauseAt(now - 1, { request: request({ approvers: ['other@acme.com'] }) });
      for (const pause of [open, named, tie, approvers]) await store.createPause({ pause, jobs: [] });
      expect(await allWaiting(store, [ANY_ADMIN], 1)).toEqual(newestFirst([open, tie]));
      for (const limit of [1, 2, 3, 10]) {
        expect(await allWaiting(store, ['carol@acme.com', 'U0CAROL001', 'carol@acme.com'], limit)).toEqual(
          newestFirst([open, named, tie]),
        );
      }
      expect(await store.listWaiting({ deciders: [], limit: 5 })).toEqual({ items: [], next_cursor: null });
    });

    it('pages through exactly the pending pauses that wait on the deciders asked for (property)', async () => {
      const people = ['ann@acme.com', 'bo@acme.com', 'U0CY000001', 'dee@acme.com'];
      const spec = fc.record({
        at: fc.integer({ min: 0, max: 5 }),
        approvers: fc.option(fc.uniqueArray(fc.constantFrom(...people), { minLength: 1, maxLength: 3 }), {
          nil: undefined,
        }),
        recipient: fc.constantFrom(...people),
        ended: fc.boolean(),
      });
      await fc.assert(
        fc.asyncProperty(
          fc.array(spec, { maxLength: 14 }),
          fc.subarray([...people, ANY_ADMIN]),
          fc.integer({ min: 1, max: 4 }),
          async (specs, asked, limit) => {
            // Each run apart from the others: its own humans.
            const run = Math.random().toString(36).slice(2, 8);
            const own = (who: string) =>
              who.includes('@') ? `${run}.${who}` : `${who.slice(0, 4)}${run.toUpperCase()}`;
            const pauses = specs.map((s) =>
              pauseAt(now - s.at, {
                request: request({
                  ...(s.approvers ? { approvers: s.approvers.map(own) } : {}),
                  ...(s.recipient.includes('@')
                    ? { recipient_email: own(s.recipient) }
                    : { recipient_slack: own(s.recipient) }),
                }),
              }),
            );
            for (const pause of pauses) await store.createPause({ pause, jobs: [] });
            for (const [i, pause] of pauses.entries())
              if (specs[i]?.ended) await store.cancel(pause.pause_id, undefined, now);
            // ANY_ADMIN is shared by every run: only this run's pauses are weighed for it.
            const deciders = asked.map((d) => (d === ANY_ADMIN ? d : own(d)));
            const expected = pauses.filter(
              (p, i) => !specs[i]?.ended && decidersOf(p).some((key) => deciders.includes(key)),
            );
            const mineOnly = new Set(pauses.map((p) => p.pause_id));
            const listed = (await allWaiting(store, deciders, limit)).filter((id) => mineOnly.has(id));
            expect(listed).toEqual(newestFirst(expected));
          },
        ),
        { numRuns: 25 },
      );
    });
  });
}
