import { getEventListeners } from 'node:events';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Upstream } from '../../src/gateway/upstream.js';
import { type HttpUpstream, startHttpUpstream } from '../helpers/http-upstream.js';

const TOKEN = 'signals-token-0123456789';

describe('an HTTP upstream called many times', () => {
  let records: HttpUpstream;
  const realFetch = globalThis.fetch;
  const signals: AbortSignal[] = [];

  beforeAll(async () => {
    records = await startHttpUpstream({ token: TOKEN });
  });
  afterEach(() => {
    globalThis.fetch = realFetch;
  });
  afterAll(async () => {
    await records?.stop();
  });

  it('leaves no abort listeners piling up on one signal (Node’s fetch drops them only at garbage collection)', async () => {
    globalThis.fetch = ((url: string | URL | Request, init?: RequestInit) => {
      if (init?.signal) signals.push(init.signal);
      return realFetch(url, init);
    }) as typeof fetch;
    const upstream = new Upstream(
      { kind: 'http', name: 'records', url: new URL(records.url), headers: { Authorization: `Bearer ${TOKEN}` } },
      pino({ level: 'silent' }),
    );
    try {
      for (let i = 0; i < 200; i++) {
        const result = await upstream.callTool('lookup', { id: String(i) });
        expect(result.content).toEqual([{ type: 'text', text: `record ${i}` }]);
      }
      expect(signals.length).toBeGreaterThan(200);
      const most = Math.max(...signals.map((s) => getEventListeners(s, 'abort').length));
      expect(most).toBeLessThan(5);
    } finally {
      await upstream.close();
    }
  });

  it('calls that find the tool list stale together read it once; an unknown name re-reads it at most every 2 s', async () => {
    let now = 1_000_000;
    const upstream = new Upstream(
      { kind: 'http', name: 'records', url: new URL(records.url), headers: { Authorization: `Bearer ${TOKEN}` } },
      pino({ level: 'silent' }),
      () => now,
    );
    try {
      const before = records.listRequests;
      const lists = await Promise.all(Array.from({ length: 20 }, () => upstream.listTools()));
      expect(lists.every((tools) => tools.some((t) => t.name === 'lookup'))).toBe(true);
      expect(records.listRequests - before).toBe(1);
      // Past the list's lifetime, again one reading for all.
      now += 31_000;
      await Promise.all(Array.from({ length: 20 }, () => upstream.tool('lookup')));
      expect(records.listRequests - before).toBe(2);
      // Unknown names: the list was read just now, so it is not read again for each.
      for (let i = 0; i < 10; i++) expect(await upstream.tool(`nope_${i}`)).toBeUndefined();
      expect(records.listRequests - before).toBe(2);
      now += 2_500;
      expect(await upstream.tool('nope')).toBeUndefined();
      expect(records.listRequests - before).toBe(3);
    } finally {
      await upstream.close();
    }
  });
});
