import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EMAIL_REQUEST, formKeyIn, postDecision } from '../helpers/email.js';
import { eventually } from '../helpers/eventually.js';
import { freePort } from '../helpers/redis-server.js';
import { TEST_API_KEY, TEST_SIGNING_SECRET } from '../helpers/service.js';

const CLI = new URL('../../src/cli/looppause.ts', import.meta.url).pathname;

interface Served {
  url: string;
  child: ChildProcess;
  /** Every JSON log line the process wrote to stdout so far. */
  lines: Array<Record<string, unknown>>;
  /** SIGTERM, then its exit. */
  stop(): Promise<number | null>;
}

/** `looppause serve` in development on the embedded store, its state in `stateDir`. */
async function serve(port: number, stateDir: string, outbox: string): Promise<Served> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve'], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      LOOPPAUSE_SIGNING_SECRET: TEST_SIGNING_SECRET,
      LOOPPAUSE_API_KEYS: `agent-a:${TEST_API_KEY}`,
      LOOPPAUSE_DEV_STATE_DIR: stateDir,
      LOOPPAUSE_OUTBOX_DIR: outbox,
      LOOPPAUSE_DASHBOARD_ADMINS: 'ada@example.com',
      LOOPPAUSE_RATE_LIMIT_PER_MINUTE: '0',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: Array<Record<string, unknown>> = [];
  let rest = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const text = rest + chunk.toString();
    const parts = text.split('\n');
    rest = parts.pop() ?? '';
    for (const line of parts) {
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // the banner
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  await eventually(async () => {
    if (child.exitCode !== null) throw new Error(`the service exited with ${child.exitCode}`);
    return (await fetch(`${url}/readyz`).then(
      (r) => r.ok || undefined,
      () => undefined,
    )) as true | undefined;
  }, 30_000);
  return {
    url,
    child,
    lines,
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

const api = (served: Served, path: string, body?: unknown) =>
  fetch(`${served.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_API_KEY}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

/**
 * Development on the embedded store: a restart (say, to set LOOPPAUSE_DASHBOARD_ADMINS) keeps
 * every pending request, its e-mail link and its audit timeline, through `.looppause/store.json`.
 */
describe('the embedded store across a restart (development)', () => {
  let root: string;
  let served: Served | undefined;
  beforeAll(() => {
    root = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'snapshot-restart-'));
  });
  afterEach(async () => {
    await served?.stop();
    served = undefined;
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('a pending pause, its e-mail link and its timeline survive SIGTERM and a new start', async () => {
    const stateDir = join(root, 'kept', '.looppause');
    const outbox = join(root, 'kept', 'outbox');
    const port = await freePort();
    served = await serve(port, stateDir, outbox);
    const first = served;
    const created = await api(first, '/v1/pauses', EMAIL_REQUEST);
    expect(created.status).toBe(201);
    const { pause_id: id } = (await created.json()) as { pause_id: string };
    const mailed = await eventually(() =>
      first.lines.find((l) => String(l.msg).startsWith('development: e-mail to ops@example.com')),
    );
    const link = (mailed.links as string[])[0] as string;
    expect(link).toMatch(new RegExp(`^${first.url}/decide/`));
    const before = (await (await api(first, `/v1/pauses/${id}/events`)).json()) as { events: unknown[] };
    expect(before.events.length).toBeGreaterThan(0);

    expect(await first.stop()).toBe(0);
    expect(existsSync(join(stateDir, 'store.json'))).toBe(true);

    served = await serve(port, stateDir, outbox);
    const second = served;
    await eventually(() => second.lines.find((l) => l.msg === 'embedded store restored from its snapshot'));
    const view = (await (await api(second, `/v1/pauses/${id}`)).json()) as Record<string, unknown>;
    expect(view.status).toBe('pending');
    const after = (await (await api(second, `/v1/pauses/${id}/events`)).json()) as { events: unknown[] };
    expect(after.events.slice(0, before.events.length)).toEqual(before.events);

    const page = await fetch(link);
    expect(page.status).toBe(200);
    const decided = await postDecision(link, { form_key: formKeyIn(await page.text()), decision: 'approved' });
    expect(decided.status).toBeLessThan(400);
    const done = (await (await api(second, `/v1/pauses/${id}`)).json()) as Record<string, unknown>;
    expect(done.status).toBe('responded');
    expect(JSON.stringify(done)).toContain('"decision":"approved"');
    const timeline = (await (await api(second, `/v1/pauses/${id}/events`)).json()) as {
      events: Array<{ type: string }>;
    };
    expect(timeline.events.map((e) => e.type)).toEqual(expect.arrayContaining(['pause.created', 'pause.decided']));
  });

  it('a corrupt snapshot: the service starts with an empty store, says so, and moves the file aside', async () => {
    const stateDir = join(root, 'corrupt', '.looppause');
    const outbox = join(root, 'corrupt', 'outbox');
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(join(stateDir, 'store.json'), '{"version": 1, "store": {"pauses": [tru');
    const started = await serve(await freePort(), stateDir, outbox);
    served = started;
    const said = await eventually(() =>
      started.lines.find((l) => String(l.msg).includes("the embedded store's snapshot")),
    );
    expect(said?.level).toBe(50);
    expect(String(said?.msg)).toContain('starting with an empty store');
    expect(readdirSync(stateDir).some((f) => f.startsWith('store.json.corrupt-'))).toBe(true);
    const list = (await (await api(started, '/v1/pauses')).json()) as { items?: unknown[]; pauses?: unknown[] };
    expect(list.items ?? list.pauses).toEqual([]);
    // It works as ever: a new pause is kept.
    expect((await api(started, '/v1/pauses', EMAIL_REQUEST)).status).toBe(201);
  });
});
