import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { SECRET_PATHS } from '../../src/http/secret-paths.js';
import { createLogger, type RunningService } from '../../src/main.js';
import { DashboardClient } from '../dashboard/helpers.js';
import { eventually } from '../helpers/eventually.js';
import { startTestService, TEST_API_KEY } from '../helpers/service.js';
import { settled } from '../helpers/settled.js';
import { TestSmtp } from '../helpers/smtp.js';
import { rawRequest } from './hostile-input.js';

/** A logger as main makes it, writing parsed lines into `lines`. */
function capturedLogger(level: Config['logLevel'], lines: Record<string, unknown>[]) {
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return createLogger({ logLevel: level }, sink);
}

/** The lines from `from` on, once the request log has a line for each of `requests` requests sent: nothing later can add one. */
async function requestLines(lines: Record<string, unknown>[], from: number, requests: number) {
  await eventually(() => (lines.slice(from).filter((l) => l.msg === 'request').length >= requests ? true : undefined));
  return lines.slice(from);
}

describe('request logging', () => {
  const lines: Record<string, unknown>[] = [];
  let running: RunningService;

  beforeAll(async () => {
    running = await startTestService({}, { logger: capturedLogger('debug', lines) });
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
    // Both requests logged, and the jobs the pause queued (its e-mail) have run and logged what they log.
    await requestLines(lines, 0, 2);
    await settled(running);
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
    const logged = await requestLines(lines, from, 3);
    expect(logged.filter((l) => Number(l.level) >= 50)).toEqual([]);
    expect(JSON.stringify(logged)).not.toContain(token.slice(0, 12));
    expect(logged.filter((l) => l.msg === 'request')).toHaveLength(3);
    expect(statuses).toEqual([400, 404, 400]);
  });
});

describe.each(['debug', 'trace'] as const)('no link token in the log at %s', (level) => {
  const lines: Record<string, unknown>[] = [];
  const USER = 'ada@example.com';
  let smtp: TestSmtp;
  let running: RunningService;
  beforeAll(async () => {
    smtp = await new TestSmtp().start();
    running = await startTestService(
      { SMTP_URL: smtp.url, LOOPPAUSE_DASHBOARD_USERS: USER },
      { logger: capturedLogger(level, lines) },
    );
  });
  afterAll(async () => {
    await running?.close();
    await smtp?.stop();
  });

  const logged = async (from: number, requests: number) => JSON.stringify(await requestLines(lines, from, requests));

  it('a mailed sign-in link, prefetched, opened and used, leaves no trace of its token', async () => {
    const from = lines.length;
    const client = new DashboardClient(running);
    const link = await client.requestLink(USER, smtp);
    const token = link.slice(-43);
    expect((await fetch(link)).status).toBe(200);
    expect((await client.useLink(link)).status).toBe(303);
    const text = await logged(from, 5);
    expect(text).toContain('/dashboard/signin/:token');
    expect(text).not.toContain(token);
  });

  it('a mailed decision link, opened and used, leaves no trace of its token', async () => {
    const from = lines.length;
    const created = await fetch(`${running.url}/v1/pauses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ action_description: 'Deploy', action_details: {}, recipient_email: USER }),
    });
    expect(created.status).toBe(201);
    const [mail] = await smtp.waitFor({ match: (m) => /\/decide\//.test(m.text ?? '') });
    const link = /https?:\/\/\S+\/decide\/[A-Za-z0-9_-]{43}/.exec(mail?.text ?? '')?.[0] ?? '';
    const token = link.slice(-43);
    const page = await (await fetch(link)).text();
    const formKey = DashboardClient.field(page, 'form_key');
    const decided = await fetch(link, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: running.url },
      body: new URLSearchParams({ form_key: formKey, decision: 'approved' }).toString(),
    });
    expect(decided.status).toBeLessThan(500);
    const text = await logged(from, 3);
    expect(text).toContain('/decide/:token');
    expect(text).not.toContain(token);
  });

  it.each(SECRET_PATHS)('%s: no spelling of the path, valid or not, logs the token', async (path) => {
    const token = 'QQQQRRRRSSSSTTTTUUUUVVVVWWWWXXXXYYYYZZZZ012';
    const escaped = path.replace(/[a-z]/, (c) => `%${c.charCodeAt(0).toString(16)}`);
    const variants = [
      `${path}/${token}`,
      `${path.toUpperCase()}/${token}`,
      `${path}/${token}/`,
      `${path}/${token}/more/segments`,
      `${path}/${token}%E2%80`,
      `/${path}//${token}`,
      `/${path.slice(1).replace(/\//g, '%2F')}%2F${token}`,
      `${escaped}/${token}`,
      `${path}/${token.slice(0, 20)}%${token.slice(20)}`,
    ];
    const from = lines.length;
    for (const variant of variants) await rawRequest(running.url, { path: variant });
    await rawRequest(running.url, {
      method: 'POST',
      path: `${path}/${token}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': 'gzip' },
      body: 'not gzip',
    });
    // Anything else that quotes a link, at any level, goes through the same rule.
    running.logger.error({ err: `send failed for ${running.url}${path}/${token}` }, `could not mail ${path}/${token}`);
    const text = await logged(from, variants.length + 1);
    expect(text).not.toContain(token.slice(8, 30));
  });
});
