import type { z } from 'zod';
import { LoopPauseError } from './errors.js';

/** Parses untrusted input; the error names the field and the rule, and nothing else. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw new LoopPauseError('invalid_argument', 'invalid arguments');
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    const field = [...issue.path, key].join('.');
    throw new LoopPauseError('invalid_argument', `${field}: unknown field`, field);
  }
  const field = issue.path.map(String).join('.');
  if (field === '') {
    const message = issue.code === 'invalid_type' ? 'arguments must be a JSON object' : issue.message;
    throw new LoopPauseError('invalid_argument', message);
  }
  throw new LoopPauseError('invalid_argument', `${field}: ${issue.message}`, field);
}
