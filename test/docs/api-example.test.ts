import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { verifyDecision } from '../../src/domain/signing.js';

const API_DOC = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');
const EXAMPLE_SECRET = 'example-secret-do-not-use-0123456789';

/** The JSON blocks of docs/api.md that show a responded pause view. */
function respondedExamples(): Array<{ response: Record<string, unknown> }> {
  return [...API_DOC.matchAll(/```json\n([\s\S]*?)```/g)]
    .map((match) => JSON.parse(match[1] ?? 'null') as { status?: string; response?: Record<string, unknown> })
    .filter((view): view is { response: Record<string, unknown> } => view.status === 'responded' && !!view.response);
}

describe('docs/api.md', () => {
  it('shows a signed decision that verifies with the documented secret and action, approvals included', () => {
    const examples = respondedExamples();
    expect(examples.length).toBeGreaterThan(0);
    for (const { response } of examples) {
      expect(response.approvals).toBeInstanceOf(Array);
      const result = verifyDecision(EXAMPLE_SECRET, response, {
        pause_id: 'pse_k3v7q2mxw4n5r6t7y2z3a4b5c6',
        action: {
          action_description: 'Drop table users in prod',
          action_details: { database: 'prod-eu-1', table: 'users', rows: '48210' },
        },
      });
      expect(result).toEqual({ ok: true });
    }
  });
});
