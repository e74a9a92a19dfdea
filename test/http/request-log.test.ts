import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, type RunningService } from '../../src/main.js';
import { startTestService, TEST_API_KEY } from '../helpers/service.js';
import { rawRequest } from './hostile-input.js';

describe('request logging', () => {
  const lines: Record<string, unknown>[] = [];
  let running: RunningService;

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    const logger = createLogger({ logLevel: 'debug' }, sink);
    running = await startTestService({}, { logger });
  });
  afterAll(async () => {
    await running.close();
  });

  it('logs each request with its id, never the key, body or decision token', async () => {
    const res = await fetch(`${running.url}/v1/pauses`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${TEST_API_KEY}`,
        'content-type': 'application/json',
        'x-request-id': 'req-12345678',
      },
      body: JSON.stringify({ action_description: 'secret plan', action_details: {}, recipient_email: 'a@b.co' }),
    });
    expect(res.headers.get('x-request-id')).toBe('req-12345678');
    await fetch(`${running.url}/decide/AAAABBBBCCCCDDDDEEEEFFFFGGGGHHHH1234567890a`);
    await new Promise((r) => setTimeout(r, 50));
    const requestLine = lines.find((l) => l.msg === 'request' && l.path === '/v1/pauses');
    expect(requestLine).toMatchObject({ req_id: 'req-12345678', method: 'POST', status: 201 });
    const all = JSON.stringify(lines);
    expect(all).not.toContain(TEST_API_KEY);
    expect(all).not.toContain('secret plan');
    expect(all).not.toContain('AAAABBBBCCCC');
  });

  it('never logs a decision token: not from a path that fails to decode, another case or a broken body', async () => {
    const token = 'ZZZZYYYYXXXXWWWWVVVVUUUUTTTTSSSSRRRR9876543';
    const from = lines.length;
    const statuses = [
      (await rawRequest(running.url, { path: `/decide/${token}%E2%80` })).status,
      (await rawRequest(running.url, { path: `/DECIDE/${token}` })).status,
      (
        await rawRequest(running.url, {
          method: 'POST',
          path: `/decide/${token}`,
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': 'gzip' },
          body: 'not gzip',
        })
      ).status,
    ];
    await new Promise((r) => setTimeout(r, 50));
    const logged = lines.slice(from);
    expect(logged.filter((l) => Number(l.level) >= 50)).toEqual([]);
    expect(JSON.stringify(logged)).not.toContain(token.slice(0, 12));
    expect(logged.filter((l) => l.msg === 'request')).toHaveLength(3);
    expect(statuses).toEqual([400, 404, 400]);
  });
});
