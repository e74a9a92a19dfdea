import { randomBytes } from 'node:crypto';
import type { RequestHandler, Response } from 'express';

/**
 * Headers for the HTML pages humans open (the e-mail decision page, the dashboard): a strict CSP
 * with a fresh nonce per response for our inline style (and, with `scripts`, our own script and
 * its event stream), no framing, no caching, no indexing.
 */
export function pageHeaders(options: { scripts: boolean }): RequestHandler {
  return (_req, res, next) => {
    const nonce = randomBytes(16).toString('base64');
    res.locals.cspNonce = nonce;
    const scripts = options.scripts ? ` script-src 'nonce-${nonce}'; connect-src 'self';` : '';
    res.setHeader(
      'Content-Security-Policy',
      `default-src 'none'; style-src 'nonce-${nonce}';${scripts} img-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
    );
    res.setHeader('Referrer-Policy', 'same-origin');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Robots-Tag', 'noindex, nofollow');
    next();
  };
}

/** The nonce `pageHeaders` set for this response. */
export function nonceOf(res: Response): string {
  return String(res.locals.cspNonce ?? '');
}
