import type { ResponseField } from './schemas.js';

/**
 * Answers to `response_fields`, keyed by field name. Names come from the agent, so a name such as
 * `constructor` or `toString` must never resolve to an `Object.prototype` member: maps are built
 * without a prototype and read with `Object.hasOwn`.
 */
export type FieldAnswers = Record<string, string>;

/** Keeps only the answers the request asked for, trimmed and cut to 2000 characters. */
export function pickAnswers(asked: readonly ResponseField[], given: Readonly<Record<string, unknown>>): FieldAnswers {
  const answers: FieldAnswers = Object.create(null);
  for (const field of asked) {
    const value = Object.hasOwn(given, field.name) ? given[field.name] : undefined;
    if (typeof value === 'string' && value.trim() !== '') answers[field.name] = value.trim().slice(0, 2000);
  }
  return answers;
}

/** Names of required fields with no answer: an approval needs them, a rejection does not. */
export function missingRequired(asked: readonly ResponseField[], answers: Readonly<Record<string, unknown>>): string[] {
  return asked
    .filter((f) => f.required)
    .filter((f) => {
      const value = Object.hasOwn(answers, f.name) ? answers[f.name] : undefined;
      return typeof value !== 'string' || value.trim() === '';
    })
    .map((f) => f.name);
}
