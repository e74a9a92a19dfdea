import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VERSION } from '../../src/version.js';
import { postWebhook } from '../../src/webhook/post.js';
import { freePort } from '../helpers/redis-server.js';

let server: Server;
let port: number;
let handle: (req: IncomingMessage, res: ServerResponse) => void;
const received: Array<{ host?: string; headers: IncomingMessage['headers']; body: string }> = [];

beforeEach(async () => {
  received.length = 0;
  handle = (_req, res) => {
    res.statusCode = 204;
    res.end();
  };
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ host: req.headers.host, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      handle(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('postWebhook (the real HTTP attempt)', () => {
  it('connects to the vetted address, whatever the name resolves to, and sends the headers and body as given', async () => {
    // The name does not resolve at all: only the pinned address is ever used.
    const url = new URL(`http://hooks.example.invalid:${port}/hook`);
    const body = JSON.stringify({ type: 'pause.created', data: { é: 1 } });
    const outcome = await postWebhook(
      { url, address: '127.0.0.1', family: 4 },
      { 'webhook-id': 'msg_p.created' },
      body,
      5000,
    );
    expect(outcome).toEqual({ kind: 'response', status: 204 });
    expect(received).toHaveLength(1);
    expect(received[0]?.host).toBe(`hooks.example.invalid:${port}`);
    expect(received[0]?.body).toBe(body);
    expect(received[0]?.headers).toMatchObject({
      'webhook-id': 'msg_p.created',
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      'user-agent': `LoopPause-Webhooks/${VERSION}`,
    });
  });

  it('a 3xx is an answer like any other: the redirect is not followed', async () => {
    handle = (_req, res) => {
      res.writeHead(302, { location: `http://127.0.0.1:${port}/elsewhere` });
      res.end();
    };
    const url = new URL(`http://127.0.0.1:${port}/hook`);
    expect(await postWebhook({ url, address: '127.0.0.1', family: 4 }, {}, '{}', 5000)).toEqual({
      kind: 'response',
      status: 302,
    });
    expect(received).toHaveLength(1);
  });

  it('no answer within the timeout is a timed-out error', async () => {
    handle = () => {};
    const url = new URL(`http://127.0.0.1:${port}/hang`);
    expect(await postWebhook({ url, address: '127.0.0.1', family: 4 }, {}, '{}', 50)).toEqual({
      kind: 'error',
      error: 'no answer within 0.05 s',
      timedOut: true,
    });
  });

  it('a refused connection is an error naming its code, not a timeout', async () => {
    const closed = await freePort();
    const outcome = await postWebhook(
      { url: new URL(`http://127.0.0.1:${closed}/x`), address: '127.0.0.1', family: 4 },
      {},
      '{}',
      5000,
    );
    expect(outcome).toMatchObject({ kind: 'error', timedOut: false, error: expect.stringMatching(/^ECONNREFUSED: /) });
  });
});
