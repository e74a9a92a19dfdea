import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedWebhook {
  path: string;
  id: string;
  body: string;
  /** Verified with the `standardwebhooks` library against the secret registered for the path. */
  verified: boolean;
  payload: { type: string; timestamp: string; data: Record<string, unknown> } | undefined;
  at: number;
}

/** What a path answers: a status, or `hang` (never answers), or `destroy` (drops the connection). */
export type Behaviour = number | 'hang' | 'destroy';

/**
 * A real HTTP receiver on 127.0.0.1 that verifies every webhook with the Standard Webhooks library,
 * as an integrator's would. Each path is one endpoint with its own secret and behaviour.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  private readonly secrets = new Map<string, string>();
  private readonly behaviours = new Map<string, (n: number) => Behaviour>();
  private readonly counts = new Map<string, number>();
  private readonly hanging = new Set<ServerResponse>();
  private server: Server | undefined;
  port = 0;

  async start(): Promise<this> {
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  secret(path: string, secret: string): void {
    this.secrets.set(path, secret);
  }

  /** The n-th request to `path` (1-based) gets `behaviour(n)`; default 204. */
  on(path: string, behaviour: (n: number) => Behaviour): void {
    this.behaviours.set(path, behaviour);
  }

  at(path: string): ReceivedWebhook[] {
    return this.received.filter((r) => r.path === path);
  }

  attempts(path: string): number {
    return this.counts.get(path) ?? 0;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      const n = (this.counts.get(path) ?? 0) + 1;
      this.counts.set(path, n);
      const behaviour = this.behaviours.get(path)?.(n) ?? 204;
      if (behaviour === 'hang') {
        this.hanging.add(res);
        return;
      }
      if (behaviour === 'destroy') {
        req.socket.destroy();
        return;
      }
      const body = Buffer.concat(chunks).toString('utf8');
      if (behaviour >= 200 && behaviour < 300) {
        let verified = false;
        let payload: ReceivedWebhook['payload'];
        const secret = this.secrets.get(path);
        try {
          if (secret) {
            payload = new Webhook(secret).verify(
              body,
              req.headers as Record<string, string>,
            ) as ReceivedWebhook['payload'];
            verified = true;
          }
        } catch {
          verified = false;
        }
        this.received.push({ path, id: String(req.headers['webhook-id']), body, verified, payload, at: Date.now() });
      }
      res.statusCode = behaviour;
      res.end();
    });
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}
