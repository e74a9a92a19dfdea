import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { VERSION } from '../version.js';

export type PostOutcome = { kind: 'response'; status: number } | { kind: 'error'; error: string; timedOut: boolean };

export interface PostTarget {
  url: URL;
  /** The vetted address: the connection goes there, whatever the name resolves to by now. */
  address: string;
  family: 4 | 6;
}

// Keep-alive per process; a connection is only ever opened to a vetted address (see `lookup`).
const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 16 });
const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 16 });

/**
 * POSTs one webhook attempt: no redirect followed (a 3xx is an answer like any other), the whole
 * exchange bounded by `timeoutMs`, the response body read and dropped.
 */
export function postWebhook(
  target: PostTarget,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<PostOutcome> {
  const lookup: LookupFunction = (_hostname, options, callback) => {
    if (options.all) (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [target]);
    else callback(null, target.address, target.family);
  };
  const https = target.url.protocol === 'https:';
  return new Promise((resolve) => {
    let settled = false;
    const settle = (outcome: PostOutcome) => {
      if (settled) return;
      settled = true;
      resolve(outcome);
    };
    const req = (https ? httpsRequest : httpRequest)(
      target.url,
      {
        method: 'POST',
        agent: https ? httpsAgent : httpAgent,
        lookup,
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': `LoopPause-Webhooks/${VERSION}`,
        },
      },
      (res) => {
        settle({ kind: 'response', status: res.statusCode ?? 0 });
        res.resume();
        res.on('end', () => clearTimeout(timer));
      },
    );
    const timer = setTimeout(() => {
      settle({ kind: 'error', error: `no answer within ${timeoutMs / 1000} s`, timedOut: true });
      req.destroy();
    }, timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      settle({ kind: 'error', error: error.code ? `${error.code}: ${error.message}` : error.message, timedOut: false });
    });
    req.on('close', () => clearTimeout(timer));
    req.end(body);
  });
}
