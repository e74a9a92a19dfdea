import { approvalsOf } from '../../domain/approvals/index.js';
import type { Pause } from '../../domain/pause.js';
import { rememberWindow, type ToolCallView } from '../../domain/tool-call-view.js';
import { STATE_LABEL } from '../../domain/vocabulary.js';
import { APPROVE_FOR_SESSION, MAX_TEXT } from '../../web/decide-form.js';
import { html, type Safe } from '../../web/html.js';
import { toolCallBody, toolCallFacts } from '../../web/tool-call-html.js';

/** Pieces of a pause that the Waiting, History and request pages share. */

export function statusBadge(pause: Pause): Safe {
  if (pause.status === 'responded' && pause.response) {
    const d = pause.response.decision;
    return html`<span class="badge ${d}">${d}</span>`;
  }
  return html`<span class="badge ${pause.status}">${STATE_LABEL[pause.status]}</span>`;
}

const CHANNEL_WORDS: Record<string, string> = {
  slack: 'Slack',
  email: 'e-mail',
  web: 'the dashboard',
  policy: 'the policy',
};

/** A decision channel as a person says it: `web` is the dashboard. */
export const channelWords = (channel: unknown): string => CHANNEL_WORDS[String(channel)] ?? String(channel ?? '');

export function progressText(pause: Pause): string | undefined {
  const required = pause.plan?.quorum ?? 1;
  if (required <= 1) return undefined;
  const received = approvalsOf(pause.votes ?? []).length;
  return `${received} of ${required} approvals`;
}

export function detailsTable(pause: Pause): Safe {
  const rows = Object.entries(pause.request.action_details);
  if (rows.length === 0) return html``;
  return html`<table class="details kv agent"><caption>Details from the agent</caption><tbody>${rows.map(
    ([k, v]) => html`<tr><th scope="row">${k}</th><td>${v}</td></tr>`,
  )}</tbody></table>`;
}

/**
 * A tool call: the command, diff or arguments, then who asks and where. `cutNote`: what to say when
 * the view was cut (a list shows a shortened view and links the request's page).
 */
export function toolCallPanel(view: ToolCallView, cutNote?: Safe): Safe {
  return html`<div class="tool-call">${toolCallBody(view, 'classes')}${
    view.cut && cutNote ? html`<p class="meta">${cutNote}</p>` : ''
  }<table class="details kv agent"><caption>The tool call</caption><tbody>${toolCallFacts(view).map(
    ([k, v]) => html`<tr><th scope="row">${k}</th><td>${v}</td></tr>`,
  )}</tbody></table></div>`;
}

export interface DecideForm {
  csrf: string;
  values?: { comment: string; fields: Record<string, string> };
  errors?: string[];
}

export function decideForm(pause: Pause, form: DecideForm, back: 'waiting' | 'pause' = 'pause'): Safe {
  const fields = pause.request.response_fields ?? [];
  const id = (name: string) => `${pause.pause_id}-${name}`;
  return html`<form class="decide" method="post" action="/dashboard/pauses/${pause.pause_id}/decide" autocomplete="off">
<input type="hidden" name="csrf" value="${form.csrf}"><input type="hidden" name="back" value="${back}">
${form.errors && form.errors.length > 0 ? html`<div class="notice error" role="alert"><ul>${form.errors.map((e) => html`<li>${e}</li>`)}</ul></div>` : ''}
${fields.map(
  (
    f,
  ) => html`<label for="${id(`field_${f.name}`)}">${f.label}${f.required ? html` <span class="req">(required to approve)</span>` : ''}</label>
<input type="text" id="${id(`field_${f.name}`)}" name="field_${f.name}" maxlength="${MAX_TEXT}" value="${form.values?.fields[f.name] ?? ''}">`,
)}
<label for="${id('comment')}">Comment <span class="muted">(optional; the agent sees it)</span></label>
<textarea id="${id('comment')}" name="comment" maxlength="${MAX_TEXT}">${form.values?.comment ?? ''}</textarea>
<div class="buttons"><button type="submit" name="decision" value="approved" class="approve">Approve</button>
${
  pause.plan?.remember_ms === undefined
    ? ''
    : html`<button type="submit" name="decision" value="${APPROVE_FOR_SESSION}" class="approve session">Approve for this session (${rememberWindow(pause.plan.remember_ms)})</button>
`
}<button type="submit" name="decision" value="rejected" class="reject">Reject</button></div>${
    pause.plan?.remember_ms === undefined
      ? ''
      : html`<p class="meta">For this session: the same call in the same session then runs without asking until the window lapses.</p>`
  }</form>`;
}
