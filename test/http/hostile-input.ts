import { type IncomingHttpHeaders, request } from 'node:http';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';

/** What a stack trace looks like in a response body. */
export const STACK_TRACE = /at .+\.(js|ts):\d+:\d+/;

export interface RawResponse {
  status: number;
  contentType: string;
  headers: IncomingHttpHeaders;
  text: string;
}

/**
 * A request with the path sent exactly as given (fetch would normalise and re-encode it) and any
 * headers, Host included. The path may hold any byte from 0x21 to 0xff: see `rawPath`.
 */
export function rawRequest(
  baseUrl: string,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: Buffer | string },
): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      { hostname, port, method: options.method ?? 'GET', path: options.path, headers: options.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type'] ?? ''),
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/**
 * Any string as raw path bytes: its UTF-8 bytes one char each (node sends chars up to 0xff as
 * bytes), with the bytes node refuses to put in a request line (controls, space, DEL) %-escaped.
 */
function rawPath(value: string): string {
  let path = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    path += byte <= 0x20 || byte === 0x7f ? `%${byte.toString(16).padStart(2, '0')}` : String.fromCharCode(byte);
  }
  return path;
}

/** Percent-escapes cut short, not hex, or decoding to invalid UTF-8, between ordinary characters. */
/**
 * A value kept raw (its broken escapes included) that a request line can still carry: every
 * character outside visible ASCII, and `#`, escaped; `%` left as it is.
 */
export function rawSafe(value: string): string {
  return value.replace(/[^\x21-\x7e]|#/gu, (c) => Buffer.from(c).toString('hex').replace(/../g, '%$&'));
}

export const brokenPercent: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      fc.constantFrom('%', '%%', '%E0%A4%A', '%E2%80', '%ZZ', '%C0%AF', '%FF', '%ED%A0%80', '%F4%90%80%80', '%2'),
      fc.stringMatching(/^%[0-9A-Za-z]{0,2}$/),
      fc.stringMatching(/^[A-Za-z0-9_-]{0,6}$/),
    ),
    { minLength: 1, maxLength: 8 },
  )
  .map((parts) => parts.join(''))
  .filter((s) => {
    try {
      decodeURIComponent(s);
      return false;
    } catch {
      return true;
    }
  });

/** Path tails as an attacker types them: any code point, `%` runs, dot segments, slashes. */
export const oddPathTail: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      fc.string({ unit: 'binary', maxLength: 12 }),
      fc.string({ unit: 'grapheme', maxLength: 6 }),
      fc.constantFrom('..', '.', '/', '//', '%', '%2e%2e', '%2F', '%00', '?', '#', '\\', ';', '*', ':'),
      brokenPercent,
    ),
    { maxLength: 6 },
  )
  .map((parts) => rawPath(parts.join('')));

/** What a client may send as a "compressed" body: garbage, a cut-short stream, a flipped byte. */
export function brokenCompressed(payload: string): fc.Arbitrary<{ encoding: string; body: Buffer }> {
  const encodings = { gzip: gzipSync, deflate: deflateSync, br: brotliCompressSync };
  return fc
    .record({
      encoding: fc.constantFrom('gzip', 'deflate', 'br', 'GZIP', 'x-gzip', 'gzip, deflate', 'compress'),
      how: fc.constantFrom('garbage', 'truncated', 'flipped'),
      garbage: fc.uint8Array({ maxLength: 64 }),
      cut: fc.nat(),
    })
    .map(({ encoding, how, garbage, cut }) => {
      const compress = encodings[encoding as keyof typeof encodings] ?? gzipSync;
      const whole = compress(Buffer.from(payload));
      if (how === 'garbage') return { encoding, body: Buffer.from(garbage) };
      if (how === 'truncated') return { encoding, body: whole.subarray(0, cut % whole.length) };
      const body = Buffer.from(whole);
      const at = cut % body.length;
      body[at] = (body[at] ?? 0) ^ 0xff;
      return { encoding, body };
    });
}
