import type { ErrorRequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { type ErrorCode, errorSummary, LoopPauseError } from '../domain/errors.js';
import { storeOutage } from '../store/unavailable.js';

const STATUS: Record<ErrorCode, number> = {
  invalid_argument: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

export function httpStatus(error: LoopPauseError): number {
  return STATUS[error.code];
}

export function sendError(res: Response, error: LoopPauseError): void {
  const body: { code: ErrorCode; message: string; field?: string } = { code: error.code, message: error.message };
  if (error.field !== undefined) body.field = error.field;
  res.status(httpStatus(error)).json({ error: body });
}

/** Turns anything thrown into the JSON error of docs/api.md (Errors); internals are logged, never sent. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    sendError(res, toClientError(error, logger));
  };
}

export function toClientError(error: unknown, logger: Logger): LoopPauseError {
  if (error instanceof LoopPauseError) return error;
  const rejected = requestError(error);
  if (rejected) return rejected;
  const outage = storeOutage(error);
  if (outage) {
    logger.warn({ err: errorSummary(error) }, 'store unavailable');
    return outage;
  }
  logger.error({ err: errorSummary(error) }, 'unexpected error');
  return new LoopPauseError('internal', 'internal error');
}

/**
 * The request's own fault, as express, router and body-parser report it: a 4xx `status`. Their
 * messages are not passed on (a path-decoding error quotes the path, which may hold a decision
 * token), nor logged: nothing went wrong on our side.
 */
function requestError(error: unknown): LoopPauseError | undefined {
  const { status, statusCode, type } = (error ?? {}) as { status?: unknown; statusCode?: unknown; type?: unknown };
  const code = typeof status === 'number' ? status : statusCode;
  if (typeof code !== 'number' || code < 400 || code > 499) return undefined;
  if (type === 'parameters.too.many') return new LoopPauseError('payload_too_large', 'the form has too many fields');
  if (code === 413) return new LoopPauseError('payload_too_large', 'request body is too large');
  if (type === 'entity.parse.failed') return new LoopPauseError('invalid_argument', 'request body is not valid JSON');
  if (code === 415) return new LoopPauseError('invalid_argument', 'request body encoding or charset is not supported');
  if (error instanceof URIError) return new LoopPauseError('invalid_argument', 'the path has invalid percent-encoding');
  return new LoopPauseError('invalid_argument', 'request could not be read (malformed or truncated body)');
}
