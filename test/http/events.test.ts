import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/main.js';
import { OTHER_API_KEY, startTestService, TEST_API_KEY } from '../helpers/service.js';

const ADMIN_KEY = 'ops-admin-key-0123456789';

/** GET /v1/pauses/:id/events: one pause's audit timeline, to its own key (or an admin). */
describe('GET /v1/pauses/:id/events', () => {
  let running: RunningService;
  beforeAll(async () => {
    running = await startTestService({
      LOOPPAUSE_API_KEYS: `agent-a:${TEST_API_KEY},agent-b:${OTHER_API_KEY},ops:${ADMIN_KEY}::admin`,
    });
  });
  afterAll(async () => {
    await running?.close();
  });

  const call = (path: string, key = TEST_API_KEY, body?: unknown) =>
    fetch(`${running.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  it('lists the pause’s entries in order, each chained, with who did what', async () => {
    const created = await call('/v1/pauses', TEST_API_KEY, {
      action_description: 'Delete the <b>old</b> backups',
      action_details: {},
      recipient_email: 'ops@example.com',
    });
    const { pause_id: id } = (await created.json()) as { pause_id: string };
    await call(`/v1/pauses/${id}/cancel`, TEST_API_KEY, { reason: 'not needed' });
    const res = await call(`/v1/pauses/${id}/events`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { pause_id: string; events: Record<string, unknown>[] };
    expect(body.pause_id).toBe(id);
    const kinds = body.events.map((e) => e.type).filter((t) => t !== 'pause.delivered');
    expect(kinds).toEqual(['pause.created', 'pause.cancelled']);
    expect(body.events[0]).toMatchObject({
      actor: 'key:agent-a',
      pause_id: id,
      data: { action: 'Delete the <b>old</b> backups', recipient_email: 'ops@example.com' },
    });
    expect(body.events.find((e) => e.type === 'pause.cancelled')).toMatchObject({ data: { reason: 'not needed' } });
    const seqs = body.events.map((e) => e.seq as number);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    for (const event of body.events) expect(event.hash).toMatch(/^[0-9a-f]{64}$/);
    // Neighbours in the log chain: the later one's prev is the earlier one's hash.
    const chained = body.events.filter((e, i) => i > 0 && (body.events[i - 1]?.seq as number) + 1 === e.seq);
    expect(chained.length).toBeGreaterThan(0);
    for (const e of chained) expect(e.prev).toBe(body.events.find((p) => p.seq === (e.seq as number) - 1)?.hash);

    expect((await call(`/v1/pauses/${id}/events`, OTHER_API_KEY)).status).toBe(404);
    expect((await call(`/v1/pauses/${id}/events`, ADMIN_KEY)).status).toBe(200);
    expect((await call('/v1/pauses/pse_aaaaaaaaaaaaaaaaaaaaaaaaaa/events')).status).toBe(404);
    expect((await fetch(`${running.url}/v1/pauses/${id}/events`)).status).toBe(401);
  });

  it('answers odd ids with a 4xx, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 300 }), async (raw) => {
        const res = await call(`/v1/pauses/${encodeURIComponent(raw)}/events`);
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
      }),
      { numRuns: 60 },
    );
  });
});
