import type { AgentRoutingMode, DelegationMode, PolicyDecision, ToolCallDefault } from '../../domain/policy/index.js';
import { html, type Safe } from '../../web/html.js';
import { type Chrome, layout } from './layout.js';

/** One approver as the rule names it: a person, or a group (linked to its members). */
export interface WhoPart {
  text: string;
  group?: string;
  members?: string[];
}

/** One rule as its table row shows it, in the policy's own words. */
export interface RuleRow {
  /** 1-based: first match wins. */
  position: number;
  name: string;
  when: { tool?: string; agents?: string[]; action?: string; if?: string };
  /** The whole rule on one line, e.g. `payments: Transfer * → cfo@acme.com · 2 of finance · 4 h, then rejected`. */
  summary: string;
  decide?: PolicyDecision;
  route?: {
    /** The rule's recipients; empty: where the agent asks (agent_routing: allow). */
    to: string[];
    quorum: number;
    approvers: WhoPart[];
    ownerCannotApprove: boolean;
    fields: string[];
    /** `4 h, then rejected`. */
    timeout: string;
    reminders: string[];
    escalations: { after: string; to: string[] }[];
    /** Tool-call rules: how long "Approve for this session" lasts (`1h`). */
    remember?: string;
    /** The rule's own `delegation`, where it sets one. */
    delegation?: DelegationMode;
  };
}

export interface PolicyView {
  digest: string;
  agentRouting: AgentRoutingMode;
  agentRoutingText: string;
  toolCallsDefault: ToolCallDefault;
  toolCallsDefaultText: string;
  delegation: DelegationMode;
  delegationText: string;
  admins: string[];
  groups: { name: string; members: string[] }[];
  rules: RuleRow[];
  /** The YAML in force, exactly as the operator wrote it. */
  source?: string;
  /** Why the YAML is not shown and the rules come from the loaded policy instead. */
  sourceNote?: string;
}

/** Explain's answer in words: a headline (which rule, what happens) and what follows from it. */
export interface ExplainAnswer {
  tone: 'ok' | 'refused';
  headline: string;
  lines: string[];
}

export interface ExplainForm {
  agent: string;
  action: string;
  details: string;
  answer?: ExplainAnswer;
  raw?: unknown;
  error?: string;
}

const groupId = (name: string) => `group-${name}`;

function who(parts: WhoPart[]): Safe[] {
  return parts.map(
    (p, i) =>
      html`${i > 0 ? ', ' : ''}${p.group ? html`<a href="#${groupId(p.group)}" class="group">${p.text}</a>` : p.text}`,
  );
}

function codeList(items: string[]): Safe[] {
  return items.map((item, i) => html`${i > 0 ? ', ' : ''}<code>${item}</code>`);
}

function ruleRow(r: RuleRow): Safe {
  const when = [
    r.when.tool !== undefined ? html`<div><span class="k">tool</span> <code>${r.when.tool}</code></div>` : '',
    r.when.action !== undefined ? html`<div><span class="k">action</span> <code>${r.when.action}</code></div>` : '',
    r.when.agents ? html`<div><span class="k">agents</span> ${codeList(r.when.agents)}</div>` : '',
    r.when.if !== undefined ? html`<div><span class="k">if</span> <code>${r.when.if}</code></div>` : '',
  ];
  const anyRequest =
    r.when.tool === undefined && r.when.action === undefined && !r.when.agents && r.when.if === undefined;
  const route = r.route;
  const then = r.decide
    ? html`<span class="badge ${r.decide}">${r.decide} at once</span><div class="meta">signed by the policy</div>`
    : route
      ? html`<div><span class="k">to</span> ${route.to.length > 0 ? codeList(route.to) : html`<span class="muted">where the agent asks</span>`}</div>${
          route.fields.length > 0 ? html`<div><span class="k">asks</span> ${route.fields.join(', ')}</div>` : ''
        }`
      : '';
  const approvers = route
    ? html`<div>${route.approvers.length > 0 ? html`<strong>${route.quorum}</strong> of ${who(route.approvers)}` : route.quorum > 1 ? html`<strong>${route.quorum}</strong> of those it reaches` : 'anyone it reaches'}</div>${
        route.ownerCannotApprove ? html`<div>owner may not approve</div>` : ''
      }`
    : html`<span class="muted">nobody is asked</span>`;
  const deadline = route
    ? html`<div>${route.timeout}</div>${
        route.reminders.length > 0
          ? html`<div><span class="k">reminders</span> ${route.reminders.join(', ')}</div>`
          : ''
      }${route.escalations.map((s) => html`<div><span class="k">after ${s.after}</span> also ${codeList(s.to)}</div>`)}${
        route.remember !== undefined
          ? html`<div><span class="k">approve for this session</span> ${route.remember}</div>`
          : ''
      }${route.delegation !== undefined ? html`<div><span class="k">delegation</span> ${route.delegation}</div>` : ''}`
    : html`<span class="muted">—</span>`;
  return html`<tr id="rule-${r.position}"><th scope="row" class="title" data-label="Rule"><span class="muted">${r.position}.</span> ${r.name}</th>
<td data-label="When">${anyRequest ? html`<span class="muted">any request</span>` : when}</td><td data-label="Then">${then}</td>
<td data-label="Approvers">${approvers}</td><td data-label="Deadline">${deadline}</td></tr>`;
}

function explainSection(csrf: string, e: ExplainForm | undefined, rules: RuleRow[]): Safe {
  const a = e?.answer;
  const rule =
    a && e?.raw && typeof e.raw === 'object'
      ? rules.find((r) => r.name === (e.raw as { rule?: unknown }).rule)
      : undefined;
  const answer = a
    ? html`<div class="answer ${a.tone}"><p class="headline">${a.headline}</p>${
        a.lines.length > 0 ? html`<ul>${a.lines.map((line) => html`<li>${line}</li>`)}</ul>` : ''
      }${rule ? html`<p class="meta">The rule in one line: ${rule.summary} (<a href="#rule-${rule.position}">row ${rule.position}</a>)</p>` : ''}${
        e?.raw === undefined
          ? ''
          : html`<details class="raw"><summary>Raw answer (JSON)</summary><pre tabindex="0">${JSON.stringify(e.raw, null, 2)}</pre></details>`
      }</div>`
    : html`<p class="muted">The answer appears here: which rule the request meets, and whether it is decided at once, routed to people, or refused. Nothing is created or sent.</p>`;
  return html`<section class="card" aria-labelledby="explain-h"><h2 id="explain-h">Explain a request</h2>
<div class="split"><form method="post" action="/dashboard/policy/explain"><input type="hidden" name="csrf" value="${csrf}">
<label for="x-agent">Agent (API key name)</label><input type="text" id="x-agent" name="agent" maxlength="64" value="${e?.agent ?? ''}" required>
<label for="x-action">Action</label><input type="text" id="x-action" name="action" maxlength="2000" value="${e?.action ?? ''}" required>
<label for="x-details">Details (JSON object of strings)</label><textarea id="x-details" name="details" maxlength="20000">${e?.details ?? '{}'}</textarea>
<div class="buttons"><button type="submit">Explain</button></div></form>
<div class="pane" role="region" aria-labelledby="answer-h"><h3 id="answer-h">Answer</h3>${
    e?.error ? html`<p class="notice error" role="alert">${e.error}</p>` : answer
  }</div></div></section>`;
}

export function policyPage(
  chrome: Chrome,
  input: { policy?: PolicyView; csrf: string; explain?: ExplainForm },
): string {
  const p = input.policy;
  if (!p) {
    return layout(
      { ...chrome, current: 'policy' },
      'Policy',
      html`<h1>Policy</h1><div class="card empty"><strong>No policy file is in force.</strong>Agents name their own recipients and approvers (within the allow-lists). Set <code>LOOPPAUSE_POLICY_FILE</code> to a YAML policy (see the README's Operator policy) to decide who approves what.</div>`,
    );
  }
  const body = html`<h1>Policy</h1>
<section class="card" aria-label="The policy in force"><dl class="facts">
<dt>Agent routing</dt><dd><strong>${p.agentRouting}</strong> — ${p.agentRoutingText}</dd>
<dt>Tool calls by default</dt><dd><strong>${p.toolCallsDefault}</strong> — ${p.toolCallsDefaultText}</dd>
<dt>Delegation</dt><dd><strong>${p.delegation}</strong> — ${p.delegationText}</dd>
<dt>Admins</dt><dd>${p.admins.join(', ') || '—'}</dd>
<dt>Digest</dt><dd><code class="digest">${p.digest}</code></dd>
</dl>
${
  p.groups.length > 0
    ? html`<h2 class="sub">Groups</h2><table class="details"><tbody>${p.groups.map(
        (g) => html`<tr id="${groupId(g.name)}"><th scope="row">${g.name}</th><td>${g.members.join(', ')}</td></tr>`,
      )}</tbody></table>`
    : ''
}</section>
<section class="card" aria-labelledby="rules-h"><h2 id="rules-h">Rules</h2>
<p class="meta">Checked top to bottom: the first rule a request matches decides what happens; a request no rule matches is refused. Rules with a tool judge only coding agents’ tool calls (a call no such rule matches gets the tool-call default); the others only requests.</p>
<table class="rules stack"><thead><tr><th scope="col">Rule</th><th scope="col">When</th><th scope="col">Then</th><th scope="col">Approvers</th><th scope="col">Deadline</th></tr></thead>
<tbody>${p.rules.map(ruleRow)}</tbody></table>
${
  p.source !== undefined
    ? html`<details class="raw"><summary>The policy file as written (YAML)</summary><pre tabindex="0">${p.source}</pre></details>`
    : html`<p class="meta">${p.sourceNote ?? ''}</p>`
}</section>
${explainSection(input.csrf, input.explain, p.rules)}`;
  return layout({ ...chrome, current: 'policy' }, 'Policy', body);
}
