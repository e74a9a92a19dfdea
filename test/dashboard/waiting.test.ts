import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decidersFor, mayDecideOnWeb, type Viewer } from '../../src/dashboard/access.js';
import { parseWaitingCursor, readWaiting, type WaitingCursor, waitingCursorText } from '../../src/dashboard/waiting.js';
import { decidersOf } from '../../src/domain/approvals/index.js';
import type { Pause } from '../../src/domain/pause.js';
import type { RunningService } from '../../src/main.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { pauseAt } from '../helpers/pauses.js';
import { startTestService, TEST_API_KEY } from '../helpers/service.js';
import { TestSmtp } from '../helpers/smtp.js';
import { DashboardClient } from './helpers.js';

const PEOPLE = ['ann@acme.com', 'Bo@Acme.com', 'U0CY000001', 'dee@acme.com'];

const request = (fields: Partial<Pause['request']>): Pause['request'] => ({
  action_description: 'Wire funds',
  action_details: {},
  timeout_hours: 1,
  response_fields: [],
  ...fields,
});

/** Any pause as a policy or an agent could make it: approvers or none, escalation steps, a recipient. */
const anyPause = fc
  .record({
    ageMs: fc.integer({ min: 0, max: 10_000 }),
    approvers: fc.option(fc.uniqueArray(fc.constantFrom(...PEOPLE), { minLength: 1, maxLength: 3 }), {
      nil: undefined,
    }),
    steps: fc.array(
      fc.record({
        after_ms: fc.integer({ min: 0, max: 10_000 }),
        approvers: fc.uniqueArray(fc.constantFrom(...PEOPLE), { maxLength: 2 }),
      }),
      { maxLength: 2 },
    ),
    email: fc.option(fc.constantFrom(...PEOPLE.filter((p) => p.includes('@'))), { nil: undefined }),
    slack: fc.option(fc.constantFrom('U0CY000001', '#ops', 'C0OPS00001'), { nil: undefined }),
  })
  .map(({ ageMs, approvers, steps, email, slack }) =>
    pauseAt(Date.now() - ageMs, {
      request: request({
        ...(approvers ? { approvers } : {}),
        ...(email ? { recipient_email: email } : {}),
        ...(slack ? { recipient_slack: slack } : {}),
      }),
      plan: { quorum: 1, remind_after_ms: [], escalate: steps, on_timeout: 'timed_out' },
    }),
  );

const anyViewer = fc
  .record({
    email: fc.constantFrom('ann@acme.com', 'BO@acme.com', 'dee@acme.com', 'zed@acme.com'),
    slack: fc.option(fc.constantFrom('U0CY000001', 'U0ZED00001'), { nil: undefined }),
    admin: fc.boolean(),
  })
  .map(
    ({ email, slack, admin }): Viewer => ({
      email: email.toLowerCase(),
      admin,
      identities: slack ? [email, slack] : [email],
      ...(slack ? { slack } : {}),
    }),
  );

describe('who a pause waits on', () => {
  it('whoever may decide a pause on the web, at any time, is among those it waits on', () => {
    fc.assert(
      fc.property(anyPause, anyViewer, fc.integer({ min: 0, max: 20_000 }), (pause, viewer, later) => {
        const at = Date.parse(pause.created_at) + later;
        if (mayDecideOnWeb(pause, viewer, at)) {
          expect(decidersOf(pause).some((key) => decidersFor(viewer).includes(key))).toBe(true);
        }
      }),
    );
  });

  it('a recipient who is not an approver is no decider; a Slack channel is none either', () => {
    const named = pauseAt(0, { request: request({ recipient_email: 'x@acme.com', approvers: ['a@acme.com'] }) });
    expect(decidersOf(named)).toEqual(['a@acme.com']);
    const open = pauseAt(0, { request: request({ recipient_email: 'X@Acme.com', recipient_slack: '#ops' }) });
    expect(decidersOf(open)).toEqual(['x@acme.com', '*']);
  });

  it('a cursor reads back as it was written, and nothing else reads as one', () => {
    const cursor = fc.record({
      list: fc.constantFrom('named', 'open'),
      store: fc.option(fc.string({ minLength: 1 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(cursor, (c) => {
        const written: WaitingCursor = c.store === undefined ? { list: c.list } : { list: c.list, store: c.store };
        expect(parseWaitingCursor(waitingCursorText(written))).toEqual(written);
      }),
    );
    for (const text of ['', 'x:abc', 'n', 'open:abc']) expect(parseWaitingCursor(text)).toBeUndefined();
  });
});

/** Every page of readWaiting, in order. */
async function allPages(store: MemoryStore, viewer: Viewer, nowMs: number, limit: number) {
  const seen: { pause: Pause; open: boolean }[] = [];
  let from: WaitingCursor | undefined;
  for (let pages = 0; pages < 500; pages++) {
    const read = await readWaiting(store, viewer, nowMs, from, limit);
    seen.push(...read.items);
    if (!read.next) return seen;
    from = read.next;
  }
  throw new Error('readWaiting never ended');
}

describe('readWaiting', () => {
  it('pages through exactly what the viewer may decide, each once: what names them first, then what any admin may', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(anyPause, { maxLength: 25 }),
        anyViewer,
        fc.integer({ min: 1, max: 6 }),
        async (pauses, viewer, limit) => {
          const store = new MemoryStore();
          for (const pause of pauses) await store.createPause({ pause, jobs: [] });
          const now = Date.now();
          const seen = await allPages(store, viewer, now, limit);
          const ids = seen.map((item) => item.pause.pause_id);
          expect(new Set(ids).size).toBe(ids.length);
          expect(new Set(ids)).toEqual(
            new Set(pauses.filter((p) => mayDecideOnWeb(p, viewer, now)).map((p) => p.pause_id)),
          );
          const firstOpen = seen.findIndex((item) => item.open);
          if (firstOpen >= 0) expect(seen.slice(firstOpen).every((item) => item.open)).toBe(true);
          if (!viewer.admin) expect(firstOpen).toBe(-1);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('a flood of pauses to others hides nothing: the victim’s one pause is on their first page', async () => {
    const store = new MemoryStore();
    const now = Date.now();
    const victim = pauseAt(now - 10_000, { request: request({ recipient_email: 'victim@acme.com' }) });
    await store.createPause({ pause: victim, jobs: [] });
    for (let i = 0; i < 600; i++) {
      const to = i % 2 ? { recipient_email: 'other@acme.com' } : { approvers: ['other@acme.com'] };
      await store.createPause({ pause: pauseAt(now - i, { request: request(to) }), jobs: [] });
    }
    const viewer: Viewer = { email: 'victim@acme.com', admin: false, identities: ['victim@acme.com'] };
    const read = await readWaiting(store, viewer, now);
    expect(read.items.map((item) => item.pause.pause_id)).toEqual([victim.pause_id]);
    expect(read.next).toBeNull();
    // An admin may decide the 300 without approvers too: theirs first, then those.
    const admin: Viewer = { email: 'victim@acme.com', admin: true, identities: ['victim@acme.com'] };
    const first = await readWaiting(store, admin, now);
    expect(first.items[0]?.pause.pause_id).toBe(victim.pause_id);
    expect(first.items.slice(1).every((item) => item.open)).toBe(true);
    expect(await allPages(store, admin, now, 50)).toHaveLength(301);
  });
});

describe('the Waiting page', () => {
  let smtp: TestSmtp;
  let running: RunningService;
  const VICTIM = 'victim@example.com';
  const ADMIN = 'boss@example.com';
  beforeAll(async () => {
    smtp = await new TestSmtp().start();
    running = await startTestService({
      SMTP_URL: smtp.url,
      LOOPPAUSE_DASHBOARD_USERS: `${VICTIM},many@example.com`,
      LOOPPAUSE_DASHBOARD_ADMINS: ADMIN,
    });
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
  const shownOn = (page: string) => [...page.matchAll(/id="h-(pse_[a-z2-7]{26})"/g)].map((m) => m[1] as string);
  const nextOf = (page: string) =>
    /href="(\/dashboard\/waiting\?cursor=[^"]+)" rel="next"/.exec(page)?.[1]?.replace(/&amp;/g, '&');

  it('shows a pending request behind 510 newer ones to someone else, to its recipient and to an admin', async () => {
    const mine = await create(VICTIM, 'Victim request');
    const adminsOwn = await create(ADMIN, 'Admin request');
    const now = Date.now();
    for (let i = 0; i < 510; i++) {
      const pause = pauseAt(now + i, { request: request({ recipient_email: 'other@example.com' }) });
      await running.store.createPause({ pause, jobs: [] });
    }
    const victim = new DashboardClient(running);
    await victim.signIn(VICTIM, smtp);
    const page = await (await victim.get('/dashboard/waiting')).text();
    expect(shownOn(page)).toEqual([mine]);
    expect(page).not.toContain('rel="next"');

    const admin = new DashboardClient(running);
    await admin.signIn(ADMIN, smtp);
    // What names the admin first; then what any admin may decide, the victim's among it, page by page.
    const adminPage = await (await admin.get('/dashboard/waiting')).text();
    expect(shownOn(adminPage)[0]).toBe(adminsOwn);
    expect(adminPage).toContain('Any admin may decide these');
    const all: string[] = [];
    let path: string | undefined = '/dashboard/waiting';
    while (path) {
      const next = await (await admin.get(path)).text();
      all.push(...shownOn(next));
      path = nextOf(next);
    }
    expect(all).toContain(mine);
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBeGreaterThanOrEqual(512);
  });

  it('pages through everything a person may decide, each once, by sealed cursors', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 120; i++) ids.add(await create('many@example.com', `Many ${i}`));
    const many = new DashboardClient(running);
    await many.signIn('many@example.com', smtp);
    const shown: string[] = [];
    let path: string | undefined = '/dashboard/waiting';
    while (path) {
      const res = await many.get(path);
      expect(res.status).toBe(200);
      const page = await res.text();
      shown.push(...shownOn(page));
      path = nextOf(page);
      const cursor = path ? decodeURIComponent(path.split('cursor=')[1] ?? '') : '';
      expect(Buffer.from(cursor, 'base64url').toString('latin1')).not.toMatch(/pse_/);
    }
    expect(shown).toHaveLength(ids.size);
    expect(new Set(shown)).toEqual(ids);
    expect((await many.get('/dashboard/waiting?cursor=bjo')).status).toBe(400);
  });
});
