import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { evaluatePolicy, PolicyError, parsePolicy } from '../../../src/domain/policy/index.js';

/**
 * matches() on RE2 against JavaScript's RegExp, and against anything at all.
 *
 * The generated patterns use what both engines read alike (ASCII literals and classes, groups, alternation, greedy
 * and lazy quantifiers, anchors) and nest quantifiers freely; the texts are short, so RegExp's backtracking stays
 * cheap enough to serve as the reference.
 */

const ALPHABET = ['a', 'b', 'c', '0', ' ', '-', '!'];

const atomOf = (inner: fc.Arbitrary<string>) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...ALPHABET.map((c) => (c === '-' ? '\\-' : c))) },
    { weight: 2, arbitrary: fc.constantFrom('.', '\\d', '\\w', '\\s', '\\W', '[ab]', '[^a]', '[a-c0]', '[ !-]') },
    { weight: 2, arbitrary: inner.map((r) => `(${r})`) },
    { weight: 1, arbitrary: inner.map((r) => `(?:${r})`) },
  );
const QUANTIFIERS = ['', '', '', '*', '+', '?', '{0,2}', '{1,3}', '{2}', '*?', '+?', '??'];

const { pattern } = fc.letrec<{ pattern: string; sequence: string; piece: string }>((tie) => ({
  piece: fc
    .tuple(atomOf(fc.oneof({ depthSize: 'small' }, tie('sequence'), tie('pattern'))), fc.constantFrom(...QUANTIFIERS))
    .map(([atom, quantifier]) => atom + quantifier),
  sequence: fc.array(tie('piece'), { minLength: 1, maxLength: 4 }).map((pieces) => pieces.join('')),
  pattern: fc.array(tie('sequence'), { minLength: 1, maxLength: 3 }).map((alternatives) => alternatives.join('|')),
}));

const anchored = fc
  .tuple(fc.boolean(), pattern, fc.boolean())
  .map(([start, body, end]) => `${start ? '^' : ''}${body}${end ? '$' : ''}`);

const text = fc.string({ unit: fc.constantFrom(...ALPHABET), maxLength: 16 });

function policyFor(condition: string) {
  return parsePolicy(stringify({ rules: [{ name: 'r', when: { if: condition }, decide: 'approved' }] }));
}

describe('matches() on RE2', () => {
  it('gives RegExp’s answer wherever both read the pattern', () => {
    fc.assert(
      fc.property(anchored, fc.array(text, { minLength: 1, maxLength: 5 }), (source, texts) => {
        let reference: RegExp;
        try {
          reference = new RegExp(source);
        } catch {
          return;
        }
        const parsed = policyFor(`action.matches(${JSON.stringify(source)})`);
        if (!parsed.ok) {
          // Refused: RE2's own limits, never silently; the message names the rule and the pattern.
          expect(parsed.errors[0]).toContain(`matches() pattern ${JSON.stringify(source)} (rule r)`);
          return;
        }
        for (const action of texts) {
          const outcome = evaluatePolicy(parsed.policy, { agent: 'a', action, details: {} }, { now: () => 0 });
          expect({ source, action, kind: outcome.kind }).toEqual({
            source,
            action,
            kind: reference.test(action) ? 'decide' : 'no_match',
          });
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('answers long texts made of the alphabet without throwing anything but PolicyError', () => {
    const long = fc.string({ unit: fc.constantFrom(...ALPHABET), minLength: 500, maxLength: 3000 });
    fc.assert(
      fc.property(anchored, long, (source, action) => {
        const parsed = policyFor(`action.matches(${JSON.stringify(source)})`);
        if (!parsed.ok) return;
        try {
          expect(['decide', 'no_match']).toContain(
            evaluatePolicy(parsed.policy, { agent: 'a', action, details: {} }).kind,
          );
        } catch (error) {
          expect(error).toBeInstanceOf(PolicyError);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never lets a pattern or a text, however odd, make loading or evaluation throw anything but PolicyError', () => {
    const anyPattern = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.string({
        unit: fc.constantFrom(
          '(',
          ')',
          '[',
          ']',
          '{',
          '}',
          '\\',
          '?',
          '*',
          '+',
          '|',
          '^',
          '$',
          '1',
          'a',
          '<',
          '=',
          '!',
          'k',
          'p',
          'P',
          'x',
          '\ud800',
        ),
        maxLength: 24,
      }),
      anchored,
    );
    const anyText = fc.oneof(fc.string({ maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 60 }), text);
    const forms = [
      (p: string) => `action.matches(${p})`,
      (p: string) => `matches(details.v, ${p})`,
      (p: string) => `details.exists(k, details[k].matches(${p})) || agent.matches(${p})`,
    ];
    fc.assert(
      fc.property(anyPattern, fc.constantFrom(...forms), anyText, anyText, (source, form, action, value) => {
        const parsed = policyFor(form(JSON.stringify(source)));
        if (!parsed.ok) {
          expect(parsed.errors.length).toBeGreaterThan(0);
          return;
        }
        try {
          evaluatePolicy(parsed.policy, { agent: value.slice(0, 200), action, details: { v: value } });
        } catch (error) {
          expect(error).toBeInstanceOf(PolicyError);
          expect((error as PolicyError).message).toMatch(/^rules\[0\] \(r\)\.if: /);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
