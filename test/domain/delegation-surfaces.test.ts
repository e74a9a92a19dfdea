import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { presentAway, untilFromForm } from '../../src/dashboard/presenters/away.js';
import { awayPage } from '../../src/dashboard/views/away.js';
import { LoopPauseError } from '../../src/domain/errors.js';
import { renderRequestEmail } from '../../src/email/template.js';
import { escapeText } from '../../src/slack/blocks/escape.js';
import { requestMessage } from '../../src/slack/blocks/index.js';
import { parseAway } from '../../src/slack/listeners/commands/away.js';
import { MemoryDelegations } from '../../src/store/memory-delegations.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { setDelegation } from '../../src/use-cases/set-delegation.js';
import { newPause, useCaseWorld } from '../helpers/use-cases.js';

/**
 * The delegation's input surfaces, fuzzed: the Slack command's words, the use case's input (only
 * a delegation or a named refusal, never anything else), and every surface that shows who is away
 * escapes what it shows.
 */
describe('delegation input surfaces (fuzzed)', () => {
  it('parseAway never throws, and what it accepts names a Slack user', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.constant('<@U0BOB00001|x> until 2026-12-24')), (text) => {
        const parsed = parseAway(text);
        if ('delegate' in parsed) expect(parsed.delegate).toMatch(/^[UW][A-Z0-9]{6,20}$/);
        else expect(parsed.error).toContain('/looppause away');
      }),
    );
  });

  it('setDelegation answers a delegation or an invalid_argument naming a field, whatever it is given', async () => {
    const now = Date.parse('2026-12-01T09:00:00Z');
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.anything(),
          fc.record({
            absent: fc.oneof(fc.string(), fc.constantFrom('a@acme.com', 'U0AAAAAAA')),
            delegate: fc.oneof(fc.string(), fc.constantFrom('b@acme.com', 'a@acme.com')),
            until: fc.oneof(
              fc.string(),
              fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
            ),
          }),
        ),
        async (input) => {
          const deps = { delegations: new MemoryDelegations(), audit: new MemoryStore(), now: () => now };
          try {
            const set = await setDelegation(deps, input, 'test');
            expect(Date.parse(set.until)).toBeGreaterThan(now);
          } catch (error) {
            expect(error).toBeInstanceOf(LoopPauseError);
            expect((error as LoopPauseError).code).toBe('invalid_argument');
            expect(['absent', 'delegate', 'until', 'policy', 'delegation']).toContain((error as LoopPauseError).field);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads the form’s datetime-local as UTC and passes anything else on for the use case to name', () => {
    expect(untilFromForm('2026-12-24T17:00')).toBe('2026-12-24T17:00:00Z');
    expect(untilFromForm('2026-12-24T17:00:30')).toBe('2026-12-24T17:00:30Z');
    expect(untilFromForm(' friday ')).toBe('friday');
    expect(untilFromForm(['x'])).toBe('');
  });
});

describe('who is away, escaped wherever it is shown', () => {
  const hostile = fc.constantFrom('<script>alert(1)</script>', '<@U0EVIL0001>', '<!channel>', '&amp;"\'', '*bold* _x_');

  it('the Away page escapes every value', () => {
    fc.assert(
      fc.property(hostile, hostile, (absent, delegate) => {
        const d = { absent, delegate, from: '2026-12-01T09:00:00Z', until: '2026-12-24T00:00:00Z', set_by: absent };
        const view = presentAway({ email: 'admin@acme.com', admin: true, identities: ['admin@acme.com'] }, [d]);
        const page = awayPage({ nonce: 'n' }, { ...view, csrf: 'c' });
        expect(page).not.toContain('<script>alert');
        expect(page).not.toContain('<@U0EVIL');
        expect(page).not.toContain('<!channel>');
      }),
    );
  });

  it('the e-mail and the Slack message escape the away lines', async () => {
    const world = useCaseWorld();
    const id = await newPause(world);
    const pause = await world.store.getPause(id);
    if (!pause) throw new Error('no pause');
    await fc.assert(
      fc.asyncProperty(hostile, async (line) => {
        const mail = renderRequestEmail({
          pause,
          decideUrl: 'https://x.test/decide/t',
          nowMs: Date.now(),
          away: [line],
        });
        expect(mail.html).not.toContain('<script>alert');
        expect(mail.text).toContain(line.replace(/\s+/g, ' ').trim());
        const message = requestMessage(pause, Date.now(), { away: [line] });
        // plain_text: Slack shows it as typed, no mentions, links or formatting.
        expect(message.blocks).toContainEqual(
          expect.objectContaining({
            type: 'context',
            elements: [expect.objectContaining({ type: 'plain_text', text: escapeText(line) })],
          }),
        );
      }),
    );
  });
});
