/** Coded errors: every surface maps `code` to its own wire format; `message` is safe to show. */
export const ERROR_CODES = [
  'invalid_argument',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'payload_too_large',
  'unsupported_media_type',
  'rate_limited',
  'unavailable',
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class LoopPauseError extends Error {
  readonly code: ErrorCode;
  readonly field?: string;

  constructor(code: ErrorCode, message: string, field?: string) {
    super(message);
    this.name = 'LoopPauseError';
    this.code = code;
    if (field !== undefined) this.field = field;
  }
}

export const notFound = (pauseId: string) =>
  new LoopPauseError('not_found', `No pause with id ${JSON.stringify(pauseId)} exists for this API key.`, 'pause_id');

/** One line for logs: `Name: message`, or the value as a string when it is not an Error. */
export function errorSummary(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
