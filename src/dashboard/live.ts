import type { Request, Response } from 'express';
import type { Pause } from '../domain/pause.js';
import type { PauseEvents } from '../store/ports/pause-events.js';
import type { Viewer } from './access.js';

/** How long events are gathered before one message goes out, and how often an idle stream says it lives. */
const COALESCE_MS = 100;
const HEARTBEAT_MS = 25_000;
/** Open streams one replica holds; past it a new one is refused (503) and the page still works without. */
const MAX_STREAMS = 2_000;
/** Per signed-in human (a few tabs): one person cannot take every stream of a replica. */
const MAX_STREAMS_PER_VIEWER = 5;
/** Pauses read per message; more wait for the next one. */
const MAX_IDS = 200;
/** Bytes a stream may leave unread; past it the stream is dropped (the page reconnects, or works without). */
const MAX_UNREAD_BYTES = 64 * 1024;

/** What the stream needs to know of pauses and viewers: the pages' own rules. */
export interface LiveAudience {
  /** The pause as the pages read it; null when it is gone. */
  load(pauseId: string): Promise<Pause | null>;
  /** Who this viewer is now (asked afresh), or undefined when they may no longer sign in: their streams end. */
  current(viewer: Viewer): Viewer | undefined;
  /** Whether the viewer may see this pause (maySee). */
  maySee(pause: Pause, viewer: Viewer): boolean;
}

interface Stream {
  res: Response;
  viewer: Viewer;
}

/**
 * Server-sent events for live pages: `event: change` with the ids of the pauses that changed (one
 * created, a vote, an ending: the store's pause events, from any replica), each viewer told only
 * of pauses they may see, and nothing at all when none of the changes is theirs. Events within
 * 100 ms go out as one message.
 */
export class LiveEvents {
  private readonly streams = new Set<Stream>();
  private readonly perViewer = new Map<string, number>();
  private pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private readonly unsubscribe: () => void;

  constructor(
    store: PauseEvents,
    private readonly audience: LiveAudience,
  ) {
    this.unsubscribe = store.onAnyChange((event) => this.queue(event.pause_id));
  }

  get size(): number {
    return this.streams.size;
  }

  stream(req: Request, res: Response, viewer: Viewer): void {
    const mine = this.perViewer.get(viewer.email) ?? 0;
    if (this.streams.size >= MAX_STREAMS || mine >= MAX_STREAMS_PER_VIEWER) {
      res.status(503).type('text').send('too many live pages open');
      return;
    }
    this.perViewer.set(viewer.email, mine + 1);
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    const stream: Stream = { res, viewer };
    this.streams.add(stream);
    this.send(stream, 'retry: 2000\n: live\n\n');
    const heartbeat = setInterval(() => this.send(stream, ': beat\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    let open = true;
    const close = () => {
      if (!open) return;
      open = false;
      clearInterval(heartbeat);
      this.streams.delete(stream);
      const left = (this.perViewer.get(viewer.email) ?? 1) - 1;
      if (left > 0) this.perViewer.set(viewer.email, left);
      else this.perViewer.delete(viewer.email);
    };
    req.on('close', close);
    res.on('close', close);
  }

  /** Ends every stream (shutdown), so the server can close. */
  close(): void {
    this.unsubscribe();
    if (this.timer) clearTimeout(this.timer);
    for (const { res } of this.streams) res.end();
    this.streams.clear();
  }

  private queue(id: string): void {
    if (this.streams.size === 0) {
      this.pending.clear();
      return;
    }
    this.pending.add(id);
    this.schedule();
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => void this.flush(), COALESCE_MS);
    this.timer.unref();
  }

  private async flush(): Promise<void> {
    this.timer = undefined;
    const ids = [...this.pending].slice(0, MAX_IDS);
    for (const id of ids) this.pending.delete(id);
    if (this.pending.size > 0) this.schedule();
    const read = await Promise.all(ids.map((id) => this.audience.load(id).catch(() => null)));
    const pauses = read.filter((pause): pause is Pause => pause !== null);
    for (const stream of this.streams) {
      const viewer = this.audience.current(stream.viewer);
      if (!viewer) {
        stream.res.end();
        continue;
      }
      const theirs = pauses.filter((pause) => this.audience.maySee(pause, viewer)).map((pause) => pause.pause_id);
      if (theirs.length > 0) this.send(stream, `event: change\ndata: ${theirs.join(' ')}\n\n`);
    }
  }

  /** Writes, and drops a stream that does not read: its unread messages would pile up in memory. */
  private send(stream: Stream, text: string): void {
    stream.res.write(text);
    if (stream.res.writableLength > MAX_UNREAD_BYTES) stream.res.destroy();
  }
}
