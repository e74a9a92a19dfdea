import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, type RunningService } from '../../src/main.js';
import { startTestService, TEST_API_KEY } from '../helpers/service.js';

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
});
