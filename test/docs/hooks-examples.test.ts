import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluateToolCallPolicy, parsePolicy } from '../../src/domain/policy/index.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The README's tool-call hooks section, up to the next level-2 heading. */
function section(): string {
  const start = README.indexOf('\n## Tool-call hooks (Claude Code and Cursor)\n');
  expect(start).toBeGreaterThanOrEqual(0);
  const end = README.indexOf('\n## ', start + 1);
  return README.slice(start, end < 0 ? undefined : end);
}

const blocks = (lang: string) =>
  [...section().matchAll(new RegExp(`^\`\`\`${lang}\\n([\\s\\S]*?)^\`\`\``, 'gm'))].map((m) => m[1] ?? '');

describe("the README's tool-call hooks section", () => {
  it('its sample policy loads and does what the text says', () => {
    const [yaml] = blocks('yaml');
    const parsed = parsePolicy(yaml ?? '');
    if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
    const judge = (tool: string, input: Record<string, unknown>) =>
      evaluateToolCallPolicy(parsed.policy, { agent: 'dev', tool, input, cwd: '/repo', session_id: 's' });
    expect(judge('Read', { file_path: '/repo/a.ts' })).toMatchObject({ kind: 'decide', decision: 'approved' });
    expect(judge('Grep', { pattern: 'x' })).toMatchObject({ kind: 'decide', decision: 'approved' });
    expect(judge('Bash', { command: 'git push origin main' })).toMatchObject({ kind: 'route', rule: 'push-and-apply' });
    expect(judge('Bash', { command: 'terraform apply -auto-approve' })).toMatchObject({ rule: 'push-and-apply' });
    expect(judge('Bash', { command: 'ls' })).toEqual({ kind: 'default', decision: 'ask' });
    // A Bash input without a command is judged, not refused.
    expect(judge('Bash', {})).toEqual({ kind: 'default', decision: 'ask' });
    expect(judge('Edit', { file_path: 'a', old_string: 'x', new_string: 'y' })).toEqual({
      kind: 'default',
      decision: 'ask',
    });
  });

  it('every JSON settings example is valid JSON with the documented shape', () => {
    const json = blocks('json').map((block) => JSON.parse(block) as Record<string, unknown>);
    expect(json.length).toBeGreaterThanOrEqual(3);
    const claude = json.find((j) => 'hooks' in j && 'PreToolUse' in (j.hooks as object)) as {
      hooks: { PreToolUse: Array<{ matcher: string; hooks: Array<{ type: string; command: string }> }> };
    };
    expect(claude.hooks.PreToolUse[0]?.hooks[0]).toMatchObject({ type: 'command' });
    expect(claude.hooks.PreToolUse[0]?.hooks[0]?.command).toMatch(/hook claude-code$/);
    const http = json.find((j) => j.type === 'http') as { url: string; headers: Record<string, string> };
    expect(http.url).toMatch(/\/v1\/hooks\/claude-code$/);
    expect(http.headers.Authorization).toBe('Bearer $LOOPPAUSE_API_KEY');
    const cursor = json.find((j) => j.version === 1) as {
      hooks: Record<string, Array<{ command: string; failClosed: boolean }>>;
    };
    expect(Object.keys(cursor.hooks).sort()).toEqual(['beforeMCPExecution', 'beforeShellExecution']);
    for (const [entry] of Object.values(cursor.hooks)) {
      expect(entry?.command).toMatch(/hook cursor$/);
      expect(entry?.failClosed).toBe(true);
    }
  });
});
