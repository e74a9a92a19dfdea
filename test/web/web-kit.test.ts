import type { Request } from 'express';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { decideFormSchema, MAX_TEXT } from '../../src/web/decide-form.js';
import { sameOrigin } from '../../src/web/same-origin.js';

const PUBLIC_URL = 'https://looppause.example.com/base';
const req = (headers: Record<string, string>) => ({ headers }) as unknown as Request;

describe('sameOrigin', () => {
  it('takes Origin first, then Referer, each compared by origin only', () => {
    expect(sameOrigin(req({ origin: 'https://looppause.example.com' }), PUBLIC_URL)).toBe(true);
    expect(sameOrigin(req({ origin: 'https://evil.example' }), PUBLIC_URL)).toBe(false);
    expect(sameOrigin(req({ origin: 'null' }), PUBLIC_URL)).toBe(false);
    // A foreign Origin is not rescued by our Referer.
    expect(
      sameOrigin(req({ origin: 'https://evil.example', referer: 'https://looppause.example.com/x' }), PUBLIC_URL),
    ).toBe(false);
    expect(sameOrigin(req({ referer: 'https://looppause.example.com/dashboard/keys' }), PUBLIC_URL)).toBe(true);
    expect(sameOrigin(req({ referer: 'https://looppause.example.com.evil.example/' }), PUBLIC_URL)).toBe(false);
    expect(sameOrigin(req({ referer: 'not a url' }), PUBLIC_URL, { allowMissing: true })).toBe(false);
  });

  it('a POST with neither header is refused unless allowMissing (the e-mail decision page)', () => {
    expect(sameOrigin(req({}), PUBLIC_URL)).toBe(false);
    expect(sameOrigin(req({}), PUBLIC_URL, { allowMissing: true })).toBe(true);
    expect(sameOrigin(req({ origin: 'https://evil.example' }), PUBLIC_URL, { allowMissing: true })).toBe(false);
  });
});

describe('decideFormSchema', () => {
  const schema = decideFormSchema(['po'], {
    lead: { form_key: z.string({ error: 'is missing' }) },
    extra: { back: z.enum(['waiting', 'pause']).optional() },
  });

  it('reads decision, comment and field_<name>; absent text is empty; unknown keys are dropped', () => {
    const parsed = schema.parse({ form_key: 'k', decision: 'approved', field_po: 'PO-1', other: 'x' });
    expect(parsed).toEqual({ form_key: 'k', decision: 'approved', comment: '', field_po: 'PO-1' });
  });

  it('lists errors in the form’s order: the lead keys, decision, comment, the extra keys, then the fields', () => {
    const result = schema.safeParse({
      decision: 'maybe',
      comment: 'x'.repeat(MAX_TEXT + 1),
      back: 'elsewhere',
      field_po: ['two', 'values'],
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => [String(i.path[0]), i.message])).toEqual([
      ['form_key', 'is missing'],
      ['decision', 'must be Approve or Reject'],
      ['comment', `must be at most ${MAX_TEXT} characters`],
      ['back', expect.any(String)],
      ['field_po', 'must be text'],
    ]);
  });
});
