import type { Logger } from 'pino';
import { httpStatus, toClientError } from '../http/errors.js';

/** What a page says about an error: its status, a title and one line (logged, never a stack). */
export interface ErrorPage {
  status: number;
  title: string;
  line: string;
}

/**
 * An error on a human's page (a body too large, a store outage, anything unexpected) as the
 * dashboard and the e-mail page show it: the shared status table, and for a 503 a line saying to
 * try again instead of the error's own.
 */
export function errorPage(error: unknown, logger: Logger): ErrorPage {
  const clientError = toClientError(error, logger);
  const status = httpStatus(clientError);
  return status === 503
    ? { status, title: 'Try again', line: 'LoopPause is briefly unavailable. Please try again in a minute.' }
    : { status, title: 'Error', line: clientError.message };
}
