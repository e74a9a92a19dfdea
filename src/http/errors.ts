import type { ErrorRequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { type ErrorCode, LoopPauseError } from '../domain/errors.js';
import { errorSummary } from '../service/task-runner.js';
import { storeOutage } from '../store/unavailable.js';

const STATUS: Record<ErrorCode, number> = {
  invalid_argument: 400,
  unauthorized: 401,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

export function sendError(res: Response, error: LoopPauseError): void {
  const body: { code: ErrorCode; message: string; field?: string } = { code: error.code, message: error.message };
  if (error.field !== undefined) body.field = error.field;
  res.status(STATUS[error.code]).json({ error: body });
}

/** Turns anything thrown into SPEC §3's JSON error; internals are logged, never sent. */
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
  const type = (error as { type?: unknown } | null)?.type;
  if (type === 'entity.too.large') return new LoopPauseError('payload_too_large', 'request body is too large');
  if (type === 'entity.parse.failed') return new LoopPauseError('invalid_argument', 'request body is not valid JSON');
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return new LoopPauseError('invalid_argument', 'request body encoding is not supported');
  }
  const outage = storeOutage(error);
  if (outage) {
    logger.warn({ err: errorSummary(error) }, 'store unavailable');
    return outage;
  }
  logger.error({ err: errorSummary(error) }, 'unexpected error');
  return new LoopPauseError('internal', 'internal error');
}
