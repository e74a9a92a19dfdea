import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { banner } from '../../src/cli/banner.js';
import type { RunningService } from '../../src/main.js';
import type { SlackStatus } from '../../src/slack/connection.js';
import { EMAIL_REQUEST } from '../helpers/email.js';
import { eventually } from '../helpers/eventually.js';
import { FakeSlack } from '../helpers/fake-slack.js';
import { connectMcp, toolJson } from '../helpers/mcp-client.js';
import { startTestService, TEST_API_KEY } from '../helpers/service.js';
import { SLACK_SIGNING_SECRET } from '../helpers/slack-requests.js';

/**
 * Slack at fault from the start (a bad token, nothing listening at SLACK_API_URL, a refused
 * Socket Mode token): the service still starts and serves MCP, REST, e-mail and the dashboard,
 * says once what is wrong, shows it in /readyz, and keeps trying in the background.
 */
describe('Slack unreachable or refusing at start-up', () => {
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);
  let outbox: string;
  let running: RunningService | undefined;
  let fake: FakeSlack | undefined;
  let lines: Array<{ level: number; msg: string }>;

  beforeAll(() => {
    process.on('unhandledRejection', onRejection);
    outbox = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'slack-down-outbox-'));
  });
  afterEach(async () => {
    await running?.close();
    await fake?.close();
    running = undefined;
    fake = undefined;
    expect(rejections).toEqual([]);
  });
  afterAll(() => {
    process.off('unhandledRejection', onRejection);
    rmSync(outbox, { recursive: true, force: true });
  });

  const start = (env: Record<string, string>) => {
    lines = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    return startTestService(
      { SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET, LOOPPAUSE_OUTBOX_DIR: outbox, ...env },
      {
        logger: pino({ level: 'info' }, sink),
        slack: { retryConfig: { retries: 0 }, timeoutMs: 500, connectRetry: { minMs: 20, maxMs: 100 } },
      },
    );
  };
  const readiness = async (service: RunningService) => {
    const res = await fetch(`${service.url}/readyz`);
    return { status: res.status, body: (await res.json()) as { status: string; slack?: Record<string, unknown> } };
  };
  const said = (text: string) => lines.filter((l) => l.msg.includes(text));
  const stateOf = (service: RunningService): SlackStatus | undefined => service.slack?.status();

  /** MCP, REST and e-mail answer as if Slack were fine: a request by e-mail lands in the outbox. */
  async function everythingElseWorks(service: RunningService): Promise<void> {
    const before = readdirSync(outbox).length;
    const rest = await fetch(`${service.url}/v1/pauses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}` },
      body: JSON.stringify(EMAIL_REQUEST),
    });
    expect(rest.status).toBe(201);
    const { pause_id } = (await rest.json()) as { pause_id: string };
    const mcp = await connectMcp(service.url, TEST_API_KEY);
    try {
      const checked = toolJson(await mcp.callTool({ name: 'check_approval', arguments: { pause_id } }));
      expect(checked).toMatchObject({ pause_id, status: 'pending' });
    } finally {
      await mcp.close();
    }
    const eml = await eventually(() => {
      const files = readdirSync(outbox).filter((f) => f.endsWith('.eml'));
      return files.length > before ? files : undefined;
    });
    expect(eml.map((f) => readFileSync(join(outbox, f), 'utf8')).join('\n')).toContain('ops@example.com');
    expect((await fetch(`${service.url}/dashboard/signin`)).status).toBe(200);
  }

  it('a bad SLACK_BOT_TOKEN (invalid_auth): serves, says so once, retries, and connects once Slack accepts', async () => {
    fake = await new FakeSlack().start();
    fake.failWith('auth.test', 'invalid_auth');
    running = await start({ SLACK_API_URL: fake.apiUrl });
    const service = running;

    const error = 'SLACK_BOT_TOKEN is not valid (invalid_auth)';
    expect(stateOf(service)).toMatchObject({ state: 'failing', error });
    expect(banner(service)).toContain(error);
    expect(await readiness(service)).toEqual({
      status: 200,
      body: expect.objectContaining({ status: 'ready', slack: expect.objectContaining({ ok: false, error }) }),
    });
    await everythingElseWorks(service);
    // Tried again in the background, said once.
    await fake.waitFor('auth.test', { count: 3 });
    expect(said(error).filter((l) => l.level >= 40)).toHaveLength(1);

    fake.clearFailures();
    await eventually(() => (stateOf(service)?.state === 'connected' ? true : undefined));
    expect(stateOf(service)).toMatchObject({ user: 'looppause', team: 'Fake' });
    expect(said('Slack: connected as @looppause in Fake')).toHaveLength(1);
    expect((await readiness(service)).body.slack).toEqual({ ok: true, state: 'connected' });
    expect(banner(service)).toMatch(/Slack +connected as @looppause in Fake/);
  });

  it('nothing listening at SLACK_API_URL (ECONNREFUSED): serves, says where it looked, connects when Slack comes up', async () => {
    const port = await closedPort();
    const apiUrl = `http://127.0.0.1:${port}/api/`;
    running = await start({ SLACK_API_URL: apiUrl });
    const service = running;

    const error = `cannot reach Slack at ${apiUrl} (ECONNREFUSED)`;
    expect(stateOf(service)).toMatchObject({ state: 'failing', error });
    expect(banner(service)).toContain(error);
    expect((await readiness(service)).body).toMatchObject({ status: 'ready', slack: { ok: false, error } });
    await everythingElseWorks(service);
    expect(said(error).filter((l) => l.level >= 40)).toHaveLength(1);

    fake = await new FakeSlack().start(port);
    await eventually(() => (stateOf(service)?.state === 'connected' ? true : undefined));
    expect((await readiness(service)).body.slack).toEqual({ ok: true, state: 'connected' });
  });

  it('Socket Mode with a refused SLACK_APP_TOKEN: serves and says which token', async () => {
    fake = await new FakeSlack().start();
    // The app-level token is not the bot token the fake knows: apps.connections.open answers not_authed.
    running = await start({ SLACK_API_URL: fake.apiUrl, SLACK_APP_TOKEN: 'xapp-1-wrong' });
    const service = running;

    const error = 'SLACK_APP_TOKEN is not valid (not_authed)';
    expect(stateOf(service)).toMatchObject({ state: 'failing', error });
    expect((await readiness(service)).body.slack).toMatchObject({ ok: false, error });
    await everythingElseWorks(service);
    await fake.waitFor('apps.connections.open', { count: 2 });
  });

  it('Socket Mode with Slack unreachable: serves', async () => {
    const port = await closedPort();
    running = await start({ SLACK_API_URL: `http://127.0.0.1:${port}/api/`, SLACK_APP_TOKEN: 'xapp-1-test' });
    expect(stateOf(running)).toMatchObject({ state: 'failing', error: expect.stringContaining('ECONNREFUSED') });
    await everythingElseWorks(running);
  });
});

describe('Socket Mode once Slack answers', () => {
  it('connects over the WebSocket, and reconnects by itself when Slack drops the connection', async () => {
    const fake = await new FakeSlack().start();
    const sockets = await socketModeEndpoint();
    fake.answerWith('apps.connections.open', { url: sockets.url });
    const running = await startTestService(
      {
        SLACK_BOT_TOKEN: 'xoxb-test',
        SLACK_SIGNING_SECRET,
        SLACK_API_URL: fake.apiUrl,
        SLACK_APP_TOKEN: 'xapp-1-test',
      },
      { slack: { retryConfig: { retries: 0 }, timeoutMs: 500, connectRetry: { minMs: 20, maxMs: 100 } } },
    );
    try {
      expect(running.slack?.status()).toMatchObject({ state: 'connected', user: 'looppause' });
      expect(banner(running)).toMatch(/Slack +connected as @looppause in Fake \(Socket Mode\)/);
      sockets.dropAll();
      await fake.waitFor('apps.connections.open', { count: 2 });
      await eventually(() =>
        running.slack?.status().state === 'connected' && sockets.open() === 1 ? true : undefined,
      );
    } finally {
      await running.close();
      await sockets.close();
      await fake.close();
    }
    expect(sockets.open()).toBe(0);
  });
});

interface WsServer {
  on(event: 'connection', listener: (socket: WsSocket) => void): void;
  close(done: () => void): void;
  clients: Set<WsSocket>;
}
interface WsSocket {
  send(data: string): void;
  terminate(): void;
  readyState: number;
}

/** Slack's Socket Mode end: a WebSocket server (the `ws` package Slack's client uses) saying hello to each connection. */
async function socketModeEndpoint() {
  const { WebSocketServer } = createRequire(import.meta.url)('ws') as {
    WebSocketServer: new (
      options: { port: number; host: string },
      ready: () => void,
    ) => WsServer & {
      address(): { port: number };
    };
  };
  let server: (WsServer & { address(): { port: number } }) | undefined;
  await new Promise<void>((resolve) => {
    server = new WebSocketServer({ port: 0, host: '127.0.0.1' }, resolve);
  });
  const wss = server as WsServer & { address(): { port: number } };
  wss.on('connection', (socket) => socket.send(JSON.stringify({ type: 'hello', num_connections: 1 })));
  return {
    url: `ws://127.0.0.1:${wss.address().port}/link`,
    open: () => [...wss.clients].filter((c) => c.readyState === 1).length,
    dropAll: () => {
      for (const client of wss.clients) client.terminate();
    },
    close: () => new Promise<void>((resolve) => wss.close(() => resolve())),
  };
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
