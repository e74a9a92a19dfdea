import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cutText,
  lineDiff,
  mcpName,
  rememberWindow,
  toolCallTitle,
  toolCallView,
} from '../../src/domain/tool-call-view.js';
import { TOOL_CALL_SOURCES, type ToolCallRecord } from '../../src/domain/tool-calls.js';

const call = (tool: string, input: Record<string, unknown>, extra: Partial<ToolCallRecord> = {}): ToolCallRecord => ({
  tool,
  input,
  source: 'claude-code',
  ...extra,
});

describe('toolCallView', () => {
  it('a Bash call: the command, the title, who and where', () => {
    const view = toolCallView(
      call('Bash', { command: 'git push --force origin main' }, { session_id: 's-1', cwd: '/repo' }),
      'ci-bot',
    );
    expect(view).toEqual({
      kind: 'command',
      title: 'Run `git push --force origin main` (Bash)',
      tool: 'Bash',
      command: { text: 'git push --force origin main', cut: false },
      facts: { agent: 'ci-bot', session: 's-1', cwd: '/repo', source: 'claude-code' },
      cut: false,
    });
  });

  it('an Edit: the file and a line diff with context around the change', () => {
    const view = toolCallView(
      call('Edit', {
        file_path: '/repo/src/app.ts',
        old_string: 'a\nb\nc\nd\ne',
        new_string: 'a\nb\nC\nd\ne',
        replace_all: true,
      }),
      'agent',
    );
    expect(view.kind).toBe('edit');
    expect(view.file).toEqual({ text: '/repo/src/app.ts', cut: false });
    expect(view.diff?.text.split('\n')).toEqual(['@@ every occurrence @@', ' a', ' b', '-c', '+C', ' d', ' e']);
  });

  it('a MultiEdit: one hunk per edit', () => {
    const view = toolCallView(
      call('MultiEdit', {
        file_path: 'x.ts',
        edits: [
          { old_string: 'one', new_string: 'two' },
          { old_string: 'three', new_string: '', replace_all: true },
        ],
      }),
      'agent',
    );
    expect(view.diff?.text.split('\n')).toEqual([
      '@@ edit 1 of 2 @@',
      '-one',
      '+two',
      '@@ edit 2 of 2, every occurrence @@',
      '-three',
    ]);
  });

  it('a Write: the content as added lines', () => {
    const view = toolCallView(call('Write', { file_path: 'new.txt', content: 'hello\nworld' }), 'agent');
    expect(view.kind).toBe('write');
    expect(view.diff?.text).toBe('+hello\n+world');
  });

  it('an MCP tool: server, tool and the arguments as pretty JSON', () => {
    const view = toolCallView(call('mcp__github__create_issue', { title: 'Bug', labels: ['p1'] }), 'agent');
    expect(view.kind).toBe('mcp');
    expect(view.mcp).toEqual({ server: 'github', tool: 'create_issue' });
    expect(view.json?.text).toBe(JSON.stringify({ title: 'Bug', labels: ['p1'] }, null, 2));
    expect(view.title).toBe('github: create_issue (MCP)');
  });

  it('any other tool: its input as pretty JSON', () => {
    const view = toolCallView(call('WebFetch', { url: 'https://example.com' }), 'agent');
    expect(view.kind).toBe('input');
    expect(view.json?.text).toContain('"url": "https://example.com"');
  });

  it('cuts each long part at the budget and says so', () => {
    const view = toolCallView(call('Bash', { command: 'x'.repeat(5000) }), 'agent', { text: 100 });
    expect(view.command?.text).toHaveLength(100);
    expect(view.command?.text.endsWith('…')).toBe(true);
    expect(view.command?.cut).toBe(true);
    expect(view.cut).toBe(true);
    expect(toolCallView(call('Bash', { command: 'x'.repeat(100) }), 'agent', { text: 100 }).cut).toBe(false);
  });

  it('never throws and never exceeds the budgets, whatever the input', () => {
    const json = fc.jsonValue({ maxDepth: 4 });
    const input = fc.oneof(
      fc.dictionary(fc.string(), json),
      fc.record({ command: fc.string({ unit: 'binary' }) }),
      fc.record({
        file_path: fc.string(),
        old_string: fc.string({ unit: 'binary' }),
        new_string: fc.string({ unit: 'binary' }),
        replace_all: fc.boolean(),
      }),
      fc.record({ file_path: fc.string(), edits: fc.array(fc.dictionary(fc.string(), json), { maxLength: 5 }) }),
      fc.record({ file_path: fc.string(), content: fc.string({ unit: 'binary' }) }),
    );
    const tool = fc.oneof(
      fc.constantFrom('Bash', 'Edit', 'Write', 'MultiEdit', 'Shell'),
      fc.string(),
      fc.tuple(fc.string(), fc.string()).map(([s, t]) => `mcp__${s}__${t}`),
    );
    fc.assert(
      fc.property(
        tool,
        input,
        fc.constantFrom(...TOOL_CALL_SOURCES),
        fc.option(fc.string(), { nil: undefined }),
        fc.option(fc.string(), { nil: undefined }),
        fc.integer({ min: 1, max: 400 }),
        fc.integer({ min: 1, max: 100 }),
        (name, args, source, session, cwd, text, short) => {
          const record: ToolCallRecord = {
            tool: name,
            input: args as Record<string, unknown>,
            source,
            ...(session === undefined ? {} : { session_id: session }),
            ...(cwd === undefined ? {} : { cwd }),
          };
          const view = toolCallView(record, 'agent', { text, short });
          for (const part of [view.command, view.diff, view.json]) {
            if (part) expect(part.text.length).toBeLessThanOrEqual(text);
          }
          for (const value of [view.file?.text, view.tool, view.facts.session, view.facts.cwd, view.mcp?.server]) {
            if (value !== undefined) expect(value.length).toBeLessThanOrEqual(short);
          }
          expect(view.title.length).toBeLessThanOrEqual(300);
          expect(view.title).not.toContain('\n');
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('the pieces', () => {
  it('cutText never splits a surrogate pair', () => {
    const cut = cutText('ab😀cd', 4);
    expect(cut).toEqual({ text: 'ab…', cut: true });
  });

  it('lineDiff keeps the shared start and end as context', () => {
    expect(lineDiff('', 'new')).toEqual(['+new']);
    expect(lineDiff('same', 'same')).toEqual([' same']);
    expect(lineDiff('a\nb', 'a\nc')).toEqual([' a', '-b', '+c']);
  });

  it('names MCP tools, server names with underscores included', () => {
    expect(mcpName('mcp__my_server__do_it')).toEqual({ server: 'my_server', tool: 'do_it' });
    expect(mcpName('Bash')).toBeUndefined();
  });

  it('says the remember window as a person would', () => {
    expect(rememberWindow(3_600_000)).toBe('1 h');
    expect(rememberWindow(30 * 60_000)).toBe('30 min');
    expect(rememberWindow(9_000_000)).toBe('2 h 30 min');
    expect(rememberWindow(86_400_000)).toBe('1 day');
  });

  it('titles a multi-line command on one line', () => {
    expect(toolCallTitle({ tool: 'Bash', input: { command: 'a\nb' } })).toBe('Run `a ⏎ b` (Bash)');
  });
});
