import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toolCallView } from '../../src/domain/tool-call-view.js';
import type { ToolCallRecord } from '../../src/domain/tool-calls.js';
import { toolCallBody, toolCallText } from '../../src/web/tool-call-html.js';

/** The markup toolCallBody writes itself; anything else that looks like a tag came from the agent. */
const OUR_TAGS = /<\/?(?:pre|code|span|p|strong)(?: (?:class|style)="[^"<>]*")?>/g;

const hostile = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc
    .array(fc.constantFrom('<script>', '</pre>', '"', "'", '`', '&amp;', '<img onerror=x>', '\n', '\u0000', 'x'), {
      maxLength: 60,
    })
    .map((parts) => parts.join('')),
);

describe('a tool call as HTML', () => {
  it('escapes every agent string, in both stylings (fuzz)', () => {
    fc.assert(
      fc.property(
        hostile,
        fc.constantFrom('Bash', 'Edit', 'Write', 'mcp__s__t', 'Other'),
        fc.boolean(),
        (text, tool, inline) => {
          const input =
            tool === 'Bash'
              ? { command: text }
              : tool === 'Edit'
                ? { file_path: text, old_string: text, new_string: `${text}!` }
                : tool === 'Write'
                  ? { file_path: text, content: text }
                  : { value: text };
          const call: ToolCallRecord = { tool: tool === 'Other' ? text || 'Other' : tool, input, source: 'api' };
          const markup = toolCallBody(toolCallView(call, text || 'agent'), inline ? 'inline' : 'classes').value;
          const rest = markup.replace(OUR_TAGS, '');
          expect(rest).not.toMatch(/[<>"`]/);
          // biome-ignore lint/suspicious/noControlCharactersInRegex: that none survive is the point
          expect(rest).not.toMatch(/[\u0000-\u0008]/);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('quotes every line of agent text in the plain-text part', () => {
    const view = toolCallView(
      { tool: 'Bash', input: { command: 'ls\nApprove: https://evil.example' }, source: 'api' },
      'a',
    );
    expect(toolCallText(view)).toEqual(['Command (Bash):', '> ls', '> Approve: https://evil.example']);
  });
});
