import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pause } from '../../src/domain/pause.js';
import type { RunningService } from '../../src/main.js';
import { eventually } from '../helpers/eventually.js';
import { pauseAt } from '../helpers/pauses.js';
import { startTestService, TEST_API_KEY } from '../helpers/service.js';
import { TestSmtp } from '../helpers/smtp.js';
import { DashboardClient } from './helpers.js';

const CAROL = 'carol@example.com';
const ADMIN = 'boss@example.com';

/** What a viewer is told of pauses they may not see: nothing, not on the live stream, not in a cursor. */
describe('pauses a viewer may not see stay unseen', () => {
  let smtp: TestSmtp;
  let running: RunningService;
  let carol: DashboardClient;
  beforeAll(async () => {
    smtp = await new TestSmtp().start();
    running = await startTestService({
      SMTP_URL: smtp.url,
      LOOPPAUSE_DASHBOARD_USERS: CAROL,
      LOOPPAUSE_DASHBOARD_ADMINS: ADMIN,
    });
    carol = new DashboardClient(running);
    await carol.signIn(CAROL, smtp);
  });
  afterAll(async () => {
    await running?.close();
    await smtp?.stop();
  });

  const create = async (recipient: string, description: string) => {
    const res = await fetch(`${running.url}/v1/pauses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ action_description: description, action_details: {}, recipient_email: recipient }),
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { pause_id: string }).pause_id;
  };
  const cancel = (id: string) =>
    fetch(`${running.url}/v1/pauses/${id}/cancel`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json' },
      body: '{}',
    });

  /** Reads a signed-in client's event stream into `text` until `stop()`. */
  const listen = async (client: DashboardClient) => {
    const abort = new AbortController();
    const res = await client.send('/dashboard/events', { method: 'GET', headers: {}, signal: abort.signal });
    expect(res.status).toBe(200);
    const stream = { text: '', stop: () => abort.abort() };
    const reader = res.body?.getReader();
    void (async () => {
      const decoder = new TextDecoder();
      try {
        for (;;) {
          const chunk = await reader?.read();
          if (!chunk || chunk.done) return;
          stream.text += decoder.decode(chunk.value, { stream: true });
        }
      } catch {
        // aborted
      }
    })();
    return stream;
  };

  it('the live stream carries no id of a pause the viewer may not see, created or cancelled', async () => {
    const stream = await listen(carol);
    const hidden = await create('other@example.com', 'Transfer 1');
    await cancel(hidden);
    // Written to Carol's stream after anything about the hidden pause would have been.
    const hers = await create(CAROL, 'Deploy 1');
    await eventually(() => (stream.text.includes(hers) ? true : undefined));
    stream.stop();
    expect(stream.text).not.toContain(hidden);
    expect((await carol.get(`/dashboard/pauses/${hidden}`)).status).toBe(404);
  });

  it('History’s Older cursor tells nothing about the pauses scanned; paging shows exactly what she may see', async () => {
    const now = Date.now() - 60_000;
    const visible: Pause[] = [];
    const hidden: Pause[] = [];
    const to = (recipient: string, at: number, n: number) =>
      pauseAt(at, {
        request: { action_description: `Paged ${n}`, action_details: {}, recipient_email: recipient, timeout_hours: 1 },
      });
    // Newest first: hers, then one hidden, sixty times; a page of 50 ends its scan on a hidden one.
    for (let i = 0; i < 60; i++) {
      visible.push(to(CAROL, now - 2 * i, i));
      hidden.push(to('other@example.com', now - 2 * i - 1, i));
    }
    for (const pause of [...visible, ...hidden]) await running.store.createPause({ pause, jobs: [] });

    const shown: string[] = [];
    const cursors: string[] = [];
    let path: string | undefined = '/dashboard/history?q=Paged';
    while (path) {
      const page = await (await carol.get(path)).text();
      shown.push(...[...page.matchAll(/\/dashboard\/pauses\/(pse_[a-z2-7]{26})/g)].map((m) => m[1] as string));
      const next = /href="(\/dashboard\/history\?[^"]*cursor=([^"&]+))"[^>]*rel="next"/.exec(page);
      path = next?.[1]?.replace(/&amp;/g, '&');
      if (next?.[2]) cursors.push(decodeURIComponent(next[2]));
    }
    expect(new Set(shown)).toEqual(new Set(visible.map((p) => p.pause_id)));
    expect(cursors.length).toBeGreaterThan(0);
    for (const cursor of cursors) {
      const decoded = Buffer.from(cursor, 'base64url').toString('latin1');
      expect(decoded).not.toMatch(/pse_/);
      for (const p of hidden) {
        expect(decoded).not.toContain(p.pause_id);
        expect(decoded).not.toContain(String(Date.parse(p.created_at)));
      }
    }
  });

  it('a cursor not made by the dashboard is refused, however well formed', async () => {
    const pause = pauseAt(Date.now());
    const forged = Buffer.from(`${Date.parse(pause.created_at)}:${pause.pause_id}`).toString('base64url');
    const res = await carol.get(`/dashboard/history?cursor=${forged}`);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('cursor: not a cursor from this page');
    const exported = await carol.get(`/dashboard/history.csv?cursor=${forged}`);
    expect(exported.status).toBe(400);
  });
});
