import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { type Logger, pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { banner } from '../../src/cli/banner.js';
import { createLogger, type RunningService } from '../../src/main.js';
import { DashboardClient } from '../dashboard/helpers.js';
import { createPause } from '../helpers/email.js';
import { eventually } from '../helpers/eventually.js';
import { startTestService } from '../helpers/service.js';

/** Lines a logger writes, parsed. */
function capture(): { lines: Array<Record<string, unknown>>; sink: Writable } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, sink };
}

const TOKEN_IN = (path: string) => new RegExp(`${path}/[A-Za-z0-9_-]{43}`);

/**
 * Development on a fresh checkout: the dashboard can be tried at once (a stand-in admin and a
 * sign-in link printed in the banner), and an e-mail's links are logged (the .eml is
 * quoted-printable). Neither in production, nor when someone is named, nor in the service's own
 * log, which still redacts every link token.
 */
describe('the first hour in development', () => {
  let outbox: string;
  let running: RunningService | undefined;
  beforeAll(() => {
    outbox = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'dev-outbox-'));
  });
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });
  afterAll(() => {
    rmSync(outbox, { recursive: true, force: true });
  });

  const start = (env: Record<string, string>, devLinkLogger?: Logger, logger?: Logger) =>
    startTestService(
      { LOOPPAUSE_OUTBOX_DIR: outbox, ...env },
      { ...(devLinkLogger ? { devLinkLogger } : {}), ...(logger ? { logger } : {}) },
    );

  it('development with nobody named: the banner prints a one-time sign-in link for dev@looppause.localhost, an admin', async () => {
    running = await start({ NODE_ENV: 'development' }, pino({ level: 'silent' }));
    const { devSignIn } = running;
    expect(devSignIn?.email).toBe('dev@looppause.localhost');
    expect(devSignIn?.link).toMatch(TOKEN_IN(`${running.url}/dashboard/signin`));
    const text = banner(running);
    expect(text).toContain(devSignIn?.link);
    expect(text).toContain('Development dashboard sign-in, as dev@looppause.localhost');
    expect(text).not.toContain('nobody may sign in yet');

    const browser = new DashboardClient(running);
    expect((await browser.useLink(devSignIn?.link ?? '')).status).toBe(303);
    const page = await browser.get('/dashboard/keys');
    expect(page.status).toBe(200);
    // One use: the same link does not sign in twice.
    expect((await new DashboardClient(running).useLink(devSignIn?.link ?? '').catch(() => undefined))?.status).not.toBe(
      303,
    );
  });

  it("development: each e-mail's links get one log line, unredacted; the service's own log still redacts them", async () => {
    const dev = capture();
    const main = capture();
    running = await start(
      { NODE_ENV: 'development' },
      pino({ level: 'info' }, dev.sink),
      createLogger({ logLevel: 'info' }, main.sink),
    );
    await createPause(running);
    const [line] = await eventually(() => {
      const found = dev.lines.filter((l) => String(l.msg).startsWith('development: e-mail to ops@example.com'));
      return found.length > 0 ? found : undefined;
    });
    const links = line?.links as string[];
    expect(links).toHaveLength(1);
    expect(links[0]).toMatch(TOKEN_IN(`${running.url}/decide`));
    expect(String(line?.msg)).toContain(`open ${links[0]}`);
    expect(String(line?.eml)).toMatch(/\.eml$/);
    const token = String(links[0]).split('/').at(-1) ?? '';
    // The service's log said the e-mail was written, without its token.
    await eventually(() => (main.lines.some((l) => l.msg === 'e-mail written to the outbox') ? true : undefined));
    expect(JSON.stringify(main.lines)).not.toContain(token);

    // A sign-in link asked for on the page (after the printed one is used or expired) is logged too.
    const browser = new DashboardClient(running);
    const form = await (await browser.get('/dashboard/signin')).text();
    await browser.post('/dashboard/signin', {
      csrf: DashboardClient.field(form, 'csrf'),
      email: 'dev@looppause.localhost',
    });
    const [signIn] = await eventually(() => {
      const found = dev.lines.filter((l) => String(l.msg).startsWith('development: e-mail to dev@looppause.localhost'));
      return found.length > 0 ? found : undefined;
    });
    expect((signIn?.links as string[] | undefined)?.[0]).toMatch(TOKEN_IN(`${running.url}/dashboard/signin`));
  });

  it.each([
    ['production', { NODE_ENV: 'production' }],
    ['test', { NODE_ENV: 'test' }],
    [
      'development with LOOPPAUSE_DASHBOARD_USERS',
      { NODE_ENV: 'development', LOOPPAUSE_DASHBOARD_USERS: 'a@example.com' },
    ],
    [
      'development with LOOPPAUSE_DASHBOARD_ADMINS',
      { NODE_ENV: 'development', LOOPPAUSE_DASHBOARD_ADMINS: 'a@example.com' },
    ],
  ])('%s: no stand-in admin, no printed sign-in link', async (_, env) => {
    running = await start(env, pino({ level: 'silent' }));
    expect(running.devSignIn).toBeUndefined();
    expect(running.config.dashboard.admins).not.toContain('dev@looppause.localhost');
    expect(banner(running)).not.toMatch(TOKEN_IN('/dashboard/signin'));
  });

  it('production: no e-mail link is logged anywhere, whatever the log level', async () => {
    const dev = capture();
    const main = capture();
    running = await start(
      { NODE_ENV: 'production', LOG_LEVEL: 'debug' },
      pino({ level: 'debug' }, dev.sink),
      createLogger({ logLevel: 'debug' }, main.sink),
    );
    await createPause(running);
    await eventually(() => (main.lines.some((l) => l.msg === 'e-mail written to the outbox') ? true : undefined));
    expect(dev.lines).toEqual([]);
    expect(JSON.stringify(main.lines)).not.toMatch(TOKEN_IN('/decide'));
  });
});
