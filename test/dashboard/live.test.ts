import { EventEmitter } from 'node:events';
import type { Request, Response } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { LiveEvents } from '../../src/dashboard/live.js';
import { MemoryStore } from '../../src/store/memory-store.js';

/** A response that records what the stream wrote. */
function fakeStream() {
  const req = new EventEmitter() as unknown as Request;
  const events = new EventEmitter();
  const state = { status: 0, body: '', written: '' };
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
      return true;
    },
    end: () => undefined,
    on: (name: string, fn: () => void) => events.on(name, fn),
  } as unknown as Response;
  return { req, res, state, close: () => events.emit('close') };
}

describe('LiveEvents', () => {
  let live: LiveEvents | undefined;
  afterEach(() => live?.close());

  it('lets one signed-in human hold five streams, refuses a sixth, and frees a slot when one closes', () => {
    live = new LiveEvents(new MemoryStore());
    const streams = Array.from({ length: 5 }, () => fakeStream());
    for (const s of streams) live.stream(s.req, s.res, 'cy@acme.com');
    expect(streams.every((s) => s.state.status === 200)).toBe(true);
    const sixth = fakeStream();
    live.stream(sixth.req, sixth.res, 'cy@acme.com');
    expect(sixth.state.status).toBe(503);
    const other = fakeStream();
    live.stream(other.req, other.res, 'boss@acme.com');
    expect(other.state.status).toBe(200);
    streams[0]?.close();
    streams[0]?.close();
    const again = fakeStream();
    live.stream(again.req, again.res, 'cy@acme.com');
    expect(again.state.status).toBe(200);
    expect(live.size).toBe(6);
  });
});
