import type { PolicyOutcome } from '../../domain/policy/index.js';
import { html } from '../../web/html.js';
import { type Chrome, layout } from './layout.js';

export interface PolicyView {
  digest: string;
  agentRouting: string;
  admins: string[];
  groups: Record<string, string[]>;
  rules: { name: string; when: unknown; effect: unknown }[];
}

export function policyPage(
  chrome: Chrome,
  input: {
    policy?: PolicyView;
    csrf: string;
    explain?: { agent: string; action: string; details: string; outcome?: PolicyOutcome; error?: string };
  },
): string {
  const p = input.policy;
  const e = input.explain;
  const body = p
    ? html`<h1>Policy</h1><section class="card"><p>Digest <code>${p.digest}</code> · agent routing <strong>${p.agentRouting}</strong></p>
<p class="meta">Admins: ${p.admins.join(', ') || '—'}</p>
${Object.keys(p.groups).length > 0 ? html`<table class="details"><caption class="muted">Groups</caption><tbody>${Object.entries(p.groups).map(([g, m]) => html`<tr><th scope="row">${g}</th><td>${m.join(', ')}</td></tr>`)}</tbody></table>` : ''}</section>
<section class="card"><h2>Rules, first match wins</h2><ol>${p.rules.map(
        (r) =>
          html`<li><strong>${r.name}</strong><pre>${JSON.stringify({ when: r.when, ...(r.effect as object) }, null, 2)}</pre></li>`,
      )}</ol></section>
<section class="card"><h2>Explain a request</h2><form method="post" action="/dashboard/policy/explain"><input type="hidden" name="csrf" value="${input.csrf}">
<label for="x-agent">Agent (API key name)</label><input type="text" id="x-agent" name="agent" maxlength="64" value="${e?.agent ?? ''}" required>
<label for="x-action">Action</label><input type="text" id="x-action" name="action" maxlength="2000" value="${e?.action ?? ''}" required>
<label for="x-details">Details (JSON object of strings)</label><textarea id="x-details" name="details" maxlength="20000">${e?.details ?? '{}'}</textarea>
<div class="buttons"><button type="submit">Explain</button></div></form>
${e?.error ? html`<p class="notice error" role="alert">${e.error}</p>` : ''}
${e?.outcome ? html`<h3>Result</h3><pre>${JSON.stringify(e.outcome, null, 2)}</pre>` : ''}</section>`
    : html`<h1>Policy</h1><div class="card empty"><strong>No policy file is in force.</strong>Agents name their own recipients and approvers (within the allow-lists). Set <code>LOOPPAUSE_POLICY_FILE</code> to a YAML policy (see the README's Operator policy) to decide who approves what.</div>`;
  return layout({ ...chrome, current: 'policy' }, 'Policy', body);
}
