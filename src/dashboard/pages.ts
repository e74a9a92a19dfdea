import type { ErrorRequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { toClientError } from '../http/errors.js';
import { errorPage } from '../web/error-page.js';
import { nonceOf } from './security.js';
import type { Signed } from './session.js';
import { type Chrome, type Flash, messagePage } from './views/layout.js';

/** How the dashboard's routes answer with a page. */

/** The notices a redirect asks for with `?done=…`. */
const FLASH: Record<string, Flash> = {
  decided: { kind: 'ok', text: 'Decided. The agent has been told.' },
  counted: { kind: 'ok', text: 'Your approval is counted; the request stays open until enough people approve.' },
  already_final: { kind: 'error', text: 'Someone decided this request first; nothing changed.' },
  signed_in: { kind: 'ok', text: 'Signed in.' },
};

export function flashOf(done: unknown): Flash | undefined {
  return FLASH[String(done)];
}

/** The page frame's inputs: this response's CSP nonce, and the viewer and sign-out token when signed in. */
export function chrome(res: Response, signed?: Signed): Chrome {
  return { nonce: nonceOf(res), ...(signed ? { viewer: signed.viewer, csrf: signed.session.csrf } : {}) };
}

export function sendPage(res: Response, status: number, body: string): void {
  res.status(status).type('html').send(body);
}

/** A one-line page: a title and why; signed out, with a link to sign in. */
export function sendMessage(res: Response, status: number, title: string, line: string, signed?: Signed): void {
  sendPage(
    res,
    status,
    messagePage(chrome(res, signed), title, line, signed ? undefined : { href: '/dashboard/signin', label: 'Sign in' }),
  );
}

/** Errors answer as pages: a body too large, a store outage, anything unexpected (logged, no stack shown). */
export function pageErrors(logger: Logger): ErrorRequestHandler {
  return (error: unknown, _req, res, _next) => {
    if (res.headersSent) {
      // Mid-export: the download ends short; express logs nothing more.
      toClientError(error, logger);
      res.end();
      return;
    }
    const page = errorPage(error, logger);
    sendPage(res, page.status, messagePage({ nonce: nonceOf(res) }, page.title, page.line));
  };
}
