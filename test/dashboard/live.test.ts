import { EventEmitter } from 'node:events';
import type { Request, Response } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { maySee, type Viewer } from '../../src/dashboard/access.js';
import { type LiveAudience, LiveEvents } from '../../src/dashboard/live.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { eventually } from '../helpers/eventually.js';
import { pauseAt } from '../helpers/pauses.js';

/** A response that records what the stream wrote; `unread` bytes stand for a client that stopped reading. */
function fakeStream() {
  const req = new EventEmitter() as unknown as Request;
  const events = new EventEmitter();
  const state = { status: 0, body: '', written: '', unread: 0, destroyed: false, ended: false };
  const res = {
    status(code: number) {
      state.status = code;
      return res;
    },
    type: () => res,
    send(body: string) {
      state.body = body;
      return res;
    },
    setHeader: () => res,
    flushHeaders: () => undefined,
    write(chunk: string) {
      state.written += chunk;
      return state.unread === 0;
    },
    get writableLength() {
      return state.unread;
    },
    end: () => {
      state.ended = true;
      events.emit('close');
    },
    destroy: () => {
      state.destroyed = true;
      events.emit('close');
    },
    on: (name: string, fn: () => void) => events.on(name, fn),
  } as unknown as Response;
  return { req, res, state, close: () => events.emit('close') };
}

const viewer = (email: string, admin = false): Viewer => ({ email, admin, identities: [email] });

/** The audience main wires: pauses from the store, the pages' visibility rule; `dropped` may no longer sign in. */
function audienceOf(store: MemoryStore, dropped = new Set<string>()): LiveAudience {
  return {
    load: (id) => store.getPause(id),
    current: (v) => (dropped.has(v.email) ? undefined : v),
    maySee: (pause, v) => maySee(pause, v, Date.now()),
  };
}

describe('LiveEvents', () => {
  let live: LiveEvents | undefined;
  afterEach(() => live?.close());

  it('lets one signed-in human hold five streams, refuses a sixth, and frees a slot when one closes', () => {
    live = new LiveEvents(new MemoryStore(), audienceOf(new MemoryStore()));
    const cy = viewer('cy@acme.com');
    const streams = Array.from({ length: 5 }, () => fakeStream());
    for (const s of streams) live.stream(s.req, s.res, cy);
    expect(streams.every((s) => s.state.status === 200)).toBe(true);
    const sixth = fakeStream();
    live.stream(sixth.req, sixth.res, cy);
    expect(sixth.state.status).toBe(503);
    const other = fakeStream();
    live.stream(other.req, other.res, viewer('boss@acme.com'));
    expect(other.state.status).toBe(200);
    streams[0]?.close();
    streams[0]?.close();
    const again = fakeStream();
    live.stream(again.req, again.res, cy);
    expect(again.state.status).toBe(200);
    expect(live.size).toBe(6);
  });

  it('tells a viewer only of pauses they may see: a hidden pause’s creation and ending never reach them', async () => {
    const store = new MemoryStore();
    live = new LiveEvents(store, audienceOf(store));
    const carol = fakeStream();
    const admin = fakeStream();
    live.stream(carol.req, carol.res, viewer('carol@acme.com'));
    live.stream(admin.req, admin.res, viewer('boss@acme.com', true));
    const now = Date.now();
    const hidden = pauseAt(now, {
      request: {
        action_description: 'Transfer',
        action_details: {},
        recipient_email: 'other@acme.com',
        timeout_hours: 1,
      },
    });
    await store.createPause({ pause: hidden, jobs: [] });
    await store.cancel(hidden.pause_id, undefined, now);
    const hers = pauseAt(now, {
      request: {
        action_description: 'Deploy',
        action_details: {},
        recipient_email: 'carol@acme.com',
        timeout_hours: 1,
      },
    });
    // Hers comes after the hidden one on the same stream: once hers is there, the hidden one was weighed.
    await store.createPause({ pause: hers, jobs: [] });
    await eventually(() => (carol.state.written.includes(hers.pause_id) ? true : undefined));
    await eventually(() => (admin.state.written.includes(hers.pause_id) ? true : undefined));
    expect(carol.state.written).not.toContain(hidden.pause_id);
    expect(admin.state.written).toContain(hidden.pause_id);
    expect(carol.state.written).not.toContain('*');
  });

  it('sends nothing at all to a viewer none of whose pauses changed', async () => {
    const store = new MemoryStore();
    live = new LiveEvents(store, audienceOf(store));
    const carol = fakeStream();
    const admin = fakeStream();
    live.stream(carol.req, carol.res, viewer('carol@acme.com'));
    live.stream(admin.req, admin.res, viewer('boss@acme.com', true));
    const greeting = carol.state.written;
    const hidden = pauseAt(Date.now());
    await store.createPause({ pause: hidden, jobs: [] });
    await eventually(() => (admin.state.written.includes(hidden.pause_id) ? true : undefined));
    expect(carol.state.written).toBe(greeting);
  });

  it('ends the stream of someone who may no longer sign in, at the next change', async () => {
    const store = new MemoryStore();
    const dropped = new Set<string>();
    live = new LiveEvents(store, audienceOf(store, dropped));
    const carol = fakeStream();
    live.stream(carol.req, carol.res, viewer('carol@acme.com', true));
    dropped.add('carol@acme.com');
    await store.createPause({ pause: pauseAt(Date.now()), jobs: [] });
    await eventually(() => (carol.state.ended ? true : undefined));
    expect(live.size).toBe(0);
  });

  it('drops a stream that stopped reading, keeps the others', async () => {
    const store = new MemoryStore();
    live = new LiveEvents(store, audienceOf(store));
    const stuck = fakeStream();
    const reading = fakeStream();
    live.stream(stuck.req, stuck.res, viewer('boss@acme.com', true));
    live.stream(reading.req, reading.res, viewer('ada@acme.com', true));
    stuck.state.unread = 65 * 1024;
    const pause = pauseAt(Date.now());
    await store.createPause({ pause, jobs: [] });
    await eventually(() => (reading.state.written.includes(pause.pause_id) ? true : undefined));
    expect(stuck.state.destroyed).toBe(true);
    expect(reading.state.destroyed).toBe(false);
    expect(live.size).toBe(1);
  });
});
