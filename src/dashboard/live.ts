import type { Request, Response } from 'express';
import type { JobQueue } from '../store/ports/jobs.js';
import type { PauseEvents } from '../store/ports/pause-events.js';

/** How long events are gathered before one message goes out, and how often an idle stream says it lives. */
const COALESCE_MS = 100;
const HEARTBEAT_MS = 25_000;
/** Open streams one replica holds; past it a new one is refused (503) and the page still works without. */
const MAX_STREAMS = 2_000;
/** Per signed-in human (a few tabs): one person cannot take every stream of a replica. */
const MAX_STREAMS_PER_VIEWER = 5;

/**
 * Server-sent events for live pages: `event: change` with the ids of the pauses that changed
 * (a vote, an ending: the store's pause events, from any replica), or `*` when work was scheduled
 * somewhere (a new pause among it). Events within 100 ms go out as one message.
 */
export class LiveEvents {
  private readonly streams = new Set<Response>();
  private readonly perViewer = new Map<string, number>();
  private pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(store: PauseEvents & Pick<JobQueue, 'onWake'>) {
    this.unsubscribe.push(store.onAnyChange((event) => this.queue(event.pause_id)));
    this.unsubscribe.push(store.onWake(() => this.queue('*')));
  }

  get size(): number {
    return this.streams.size;
  }

  stream(req: Request, res: Response, viewer: string): void {
    const mine = this.perViewer.get(viewer) ?? 0;
    if (this.streams.size >= MAX_STREAMS || mine >= MAX_STREAMS_PER_VIEWER) {
      res.status(503).type('text').send('too many live pages open');
      return;
    }
    this.perViewer.set(viewer, mine + 1);
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    res.write('retry: 2000\n: live\n\n');
    this.streams.add(res);
    const heartbeat = setInterval(() => res.write(': beat\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    let open = true;
    const close = () => {
      if (!open) return;
      open = false;
      clearInterval(heartbeat);
      this.streams.delete(res);
      const left = (this.perViewer.get(viewer) ?? 1) - 1;
      if (left > 0) this.perViewer.set(viewer, left);
      else this.perViewer.delete(viewer);
    };
    req.on('close', close);
    res.on('close', close);
  }

  private queue(id: string): void {
    this.pending.add(id);
    if (this.timer || this.streams.size === 0) {
      if (this.streams.size === 0) this.pending.clear();
      return;
    }
    this.timer = setTimeout(() => this.flush(), COALESCE_MS);
    this.timer.unref();
  }

  private flush(): void {
    this.timer = undefined;
    const ids = [...this.pending].slice(0, 200).join(' ');
    this.pending = new Set();
    const message = `event: change\ndata: ${ids}\n\n`;
    for (const res of this.streams) res.write(message);
  }

  /** Ends every stream (shutdown), so the server can close. */
  close(): void {
    for (const fn of this.unsubscribe) fn();
    if (this.timer) clearTimeout(this.timer);
    for (const res of this.streams) res.end();
    this.streams.clear();
  }
}
