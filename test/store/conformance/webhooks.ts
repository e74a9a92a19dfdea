import { describe, expect, it } from 'vitest';
import type { DeadLetter, WebhookEndpoint, WebhookEvent, WebhookStore } from '../../../src/store/ports/webhooks.js';
import { freshStoreForEachTest, type StoreFactory } from './factory.js';

let seq = 0;
function endpoint(overrides: Partial<WebhookEndpoint> = {}): WebhookEndpoint {
  seq++;
  return {
    id: `whe_${String(seq).padStart(6, '0')}`,
    url: `https://hooks.example.com/${seq}?a=b/c`,
    events: ['pause.decided', 'pause.created'],
    secret: `whsec_${Buffer.from(`secret-${seq}-0123456789abcdef`).toString('base64')}`,
    enabled: true,
    created_by: 'ops',
    created_at: new Date(1_700_000_000_000 + seq).toISOString(),
    ...overrides,
  };
}

function event(id: string, body = `{"type":"pause.decided","n":${++seq}}`): WebhookEvent {
  return { id, type: 'pause.decided', pause_id: 'pse_abc', body, fanned_out: false };
}

function letter(endpointId: string, eventId: string, failedMs: number): DeadLetter {
  const { fanned_out: _, ...rest } = event(eventId);
  return {
    endpoint_id: endpointId,
    event: rest,
    failed_at: new Date(failedMs).toISOString(),
    attempts: 13,
    last_error: 'HTTP 500',
  };
}

/** The webhook registry and delivery state: the port every adapter implements. */
export function webhookStoreConformance(factory: StoreFactory<WebhookStore> & { deadLetterLimit: number }): void {
  describe(`WebhookStore conformance (${factory.name})`, () => {
    let store: WebhookStore;
    freshStoreForEachTest(factory, (s) => {
      store = s;
    });

    it('keeps endpoints as given, lists them oldest first, removes them', async () => {
      const a = endpoint();
      const b = endpoint({ events: ['pause.timed_out'], enabled: false, disabled_reason: 'HTTP 410' });
      await store.addEndpoint(b);
      await store.addEndpoint(a);
      expect(await store.getEndpoint(a.id)).toEqual(a);
      expect(await store.listEndpoints()).toEqual([a, b]);
      expect(await store.removeEndpoint(a.id)).toBe(true);
      expect(await store.removeEndpoint(a.id)).toBe(false);
      expect(await store.getEndpoint(a.id)).toBeNull();
      expect(await store.listEndpoints()).toEqual([b]);
    });

    it('patches an endpoint field by field, clears the reason on null, and says when there is none', async () => {
      const a = endpoint();
      await store.addEndpoint(a);
      expect(await store.updateEndpoint(a.id, { enabled: false, disabled_reason: 'HTTP 410 Gone' })).toEqual({
        ...a,
        enabled: false,
        disabled_reason: 'HTTP 410 Gone',
      });
      // A rotation after the 410 keeps it disabled: neither patch undoes the other.
      expect(await store.updateEndpoint(a.id, { secret: 'whsec_bmV3' })).toEqual({
        ...a,
        secret: 'whsec_bmV3',
        enabled: false,
        disabled_reason: 'HTTP 410 Gone',
      });
      const enabled = await store.updateEndpoint(a.id, { enabled: true, disabled_reason: null });
      expect(enabled).toEqual({ ...a, secret: 'whsec_bmV3' });
      expect(await store.getEndpoint(a.id)).toEqual({ ...a, secret: 'whsec_bmV3' });
      expect(await store.updateEndpoint('whe_nope', { enabled: false })).toBeNull();
      expect(await store.getEndpoint('whe_nope')).toBeNull();
    });

    it('stores an event once: a second save returns the first body', async () => {
      const until = Date.now() + 60_000;
      const first = event('pse_abc.decided', '{"first":true}');
      expect(await store.saveEvent(first, until)).toEqual(first);
      expect(await store.saveEvent(event('pse_abc.decided', '{"second":true}'), until)).toEqual(first);
      expect(await store.getEvent('pse_abc.decided')).toEqual(first);
      await store.markFannedOut('pse_abc.decided');
      expect(await store.getEvent('pse_abc.decided')).toEqual({ ...first, fanned_out: true });
      expect(await store.getEvent('pse_other.decided')).toBeNull();
    });

    it('forgets an event after its retention, and marking it then does not bring it back', async () => {
      await store.saveEvent(event('pse_short.decided'), Date.now() + 150);
      expect(await store.getEvent('pse_short.decided')).not.toBeNull();
      await new Promise((r) => setTimeout(r, 300));
      expect(await store.getEvent('pse_short.decided')).toBeNull();
      await store.markFannedOut('pse_short.decided');
      expect(await store.getEvent('pse_short.decided')).toBeNull();
    });

    it('counts failures of pending deliveries until they settle', async () => {
      await store.addPending(['d1', 'd2']);
      expect(await store.pendingCount()).toBe(2);
      expect(await store.countFailure('d1')).toBe(1);
      expect(await store.countFailure('d1')).toBe(2);
      // Adding again (a fan-out retried) does not reset the count.
      await store.addPending(['d1']);
      expect(await store.countFailure('d1')).toBe(3);
      await store.settle('d1');
      expect(await store.pendingCount()).toBe(1);
      await store.addPending(['d1']);
      expect(await store.countFailure('d1')).toBe(1);
      await store.settle('d1');
      await store.settle('d2');
      await store.settle('d2');
      expect(await store.pendingCount()).toBe(0);
    });

    it('keeps dead letters oldest first, replaces one per endpoint and event, filters and removes', async () => {
      await store.addDeadLetter(letter('whe_a', 'e1', 1000));
      await store.addDeadLetter(letter('whe_b', 'e2', 2000));
      await store.addDeadLetter(letter('whe_a', 'e3', 3000));
      expect((await store.listDeadLetters()).map((l) => `${l.endpoint_id}/${l.event.id}`)).toEqual([
        'whe_a/e1',
        'whe_b/e2',
        'whe_a/e3',
      ]);
      // Dead-lettered again after a redrive: one entry, now the newest.
      const again = letter('whe_a', 'e1', 4000);
      await store.addDeadLetter(again);
      const all = await store.listDeadLetters();
      expect(all.map((l) => `${l.endpoint_id}/${l.event.id}`)).toEqual(['whe_b/e2', 'whe_a/e3', 'whe_a/e1']);
      expect(all[2]).toEqual(again);
      expect((await store.listDeadLetters('whe_a')).map((l) => l.event.id)).toEqual(['e3', 'e1']);
      expect(await store.listDeadLetters('whe_')).toEqual([]);
      expect(await store.deadLetterCount()).toBe(3);
      await store.removeDeadLetter('whe_a', 'e3');
      await store.removeDeadLetter('whe_a', 'nope');
      expect((await store.listDeadLetters()).map((l) => l.event.id)).toEqual(['e2', 'e1']);
      expect(await store.deadLetterCount()).toBe(2);
    });

    it(`drops the oldest dead letters beyond the limit (${factory.deadLetterLimit})`, async () => {
      const n = factory.deadLetterLimit + 3;
      for (let i = 0; i < n; i++) await store.addDeadLetter(letter('whe_a', `e${i}`, 10_000 + i));
      const kept = await store.listDeadLetters();
      expect(kept.map((l) => l.event.id)).toEqual(
        Array.from({ length: factory.deadLetterLimit }, (_, i) => `e${i + 3}`),
      );
      expect(await store.deadLetterCount()).toBe(factory.deadLetterLimit);
    });
  });
}
