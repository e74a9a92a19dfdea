// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the gateway file writes ${VAR} references literally
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluateToolCallPolicy, parsePolicy } from '../../src/domain/policy/index.js';
import { parseGateway } from '../../src/gateway/file.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The README's MCP gateway section, up to the next level-2 heading. */
function section(): string {
  const start = README.indexOf('\n## MCP gateway\n');
  expect(start).toBeGreaterThanOrEqual(0);
  const end = README.indexOf('\n## ', start + 1);
  return README.slice(start, end < 0 ? undefined : end);
}

const blocks = (lang: string) =>
  [...section().matchAll(new RegExp(`^\`\`\`${lang}\\n([\\s\\S]*?)^\`\`\``, 'gm'))].map((m) => m[1] ?? '');

describe("the README's MCP gateway section", () => {
  it('its gateway file loads, with the token from the environment and never without it', () => {
    const [file] = blocks('yaml');
    const loaded = parseGateway(file ?? '', (name) => (name === 'GITHUB_TOKEN' ? 'ghp_example' : undefined));
    if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
    expect([...loaded.gateway.servers.keys()]).toEqual(['github', 'files']);
    expect(loaded.gateway.servers.get('github')).toMatchObject({
      kind: 'http',
      headers: { Authorization: 'Bearer ghp_example' },
    });
    expect(parseGateway(file ?? '', () => undefined)).toEqual({
      ok: false,
      errors: ["servers.github.headers.Authorization: ${GITHUB_TOKEN} is not set in the gateway's environment"],
    });
  });

  it('its policy loads and judges the calls it names', () => {
    const [, text] = blocks('yaml');
    const parsed = parsePolicy(text ?? '');
    if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
    const judge = (tool: string, input: Record<string, unknown>) =>
      evaluateToolCallPolicy(parsed.policy, { agent: 'agent-a', tool, input });
    expect(judge('mcp__github__merge_pull_request', { pullNumber: 1 })).toMatchObject({ rule: 'merges-to-release' });
    expect(judge('mcp__files__write_file', { path: '/etc/passwd', content: '' })).toMatchObject({
      kind: 'decide',
      decision: 'rejected',
    });
    expect(judge('mcp__files__write_file', { path: '/srv/project/a.txt', content: '' }).kind).not.toBe('decide');
    expect(parsed.policy.gatewayDefaultRoute).toBeDefined();
  });

  it('its Claude Code configuration is JSON naming the gateway URLs, with the LoopPause key only', () => {
    const [config] = blocks('json');
    const servers = (JSON.parse(config ?? '') as { mcpServers: Record<string, { type: string; url: string }> })
      .mcpServers;
    expect(Object.keys(servers)).toEqual(['github', 'files']);
    for (const [name, server] of Object.entries(servers)) {
      expect(server.type).toBe('http');
      expect(server.url).toMatch(new RegExp(`/mcp/gateway/${name}$`));
    }
    expect(config).not.toContain('GITHUB_TOKEN');
  });
});
