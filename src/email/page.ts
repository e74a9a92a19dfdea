import type { Pause } from '../domain/pause.js';
import { rememberWindow, toolCallView } from '../domain/tool-call-view.js';
import { APPROVE_FOR_SESSION, MAX_TEXT } from '../web/decide-form.js';
import { html, lines, raw, type Safe } from '../web/html.js';
import { formatRelative, formatUtc } from '../web/text.js';
import { toolCallBody, toolCallFacts } from '../web/tool-call-html.js';
import { approvalProgress } from './template.js';

/** The decision page's HTML. Pure: every value that is not markup built here is escaped by `html`. */

export type Choice = 'approved' | 'rejected';

export interface FormValues {
  comment: string;
  fields: Record<string, string>;
}

export interface FormPageInput {
  pause: Pause;
  recipient: string;
  formKey: string;
  /** From the e-mail button that opened the page. */
  chosen?: Choice;
  values?: FormValues;
  /** Each names its field: `Comment: must be at most 2000 characters` (MAX_TEXT). */
  errors?: string[];
  nonce: string;
  nowMs: number;
}

const STYLE = `
*{box-sizing:border-box}
body{margin:0;background:#f4f4f5;color:#111;font:15px/1.5 -apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif}
main{max-width:640px;margin:32px auto;padding:0 12px}
.card{background:#fff;border:1px solid #e4e4e7;border-radius:8px;padding:24px}
.eyebrow{font-size:12px;color:#71717a;text-transform:uppercase;letter-spacing:1px;margin:0 0 4px}
h1{font-size:19px;line-height:1.4;margin:0 0 16px;word-break:break-word}
table{border-collapse:collapse;width:100%;margin:0 0 16px}
th,td{text-align:left;vertical-align:top;padding:6px 12px 6px 0;border-top:1px solid #eee;font-size:14px}
th{color:#555;font-weight:normal;white-space:nowrap}
td{word-break:break-word}
.meta{color:#555;font-size:14px;margin:0 0 4px}
label{display:block;font-weight:600;margin:16px 0 4px}
textarea,input[type=text]{width:100%;padding:8px;border:1px solid #d4d4d8;border-radius:6px;font:inherit}
textarea{min-height:90px}
.buttons{display:flex;flex-wrap:wrap;gap:12px;margin-top:20px}
button{border:0;border-radius:6px;padding:12px 28px;font:inherit;font-weight:700;color:#fff;cursor:pointer}
.approve{background:#15803d}.reject{background:#b91c1c}
.chosen{outline:3px solid #111;outline-offset:2px}
.errors{background:#fef2f2;border:1px solid #fecaca;color:#991b1b;border-radius:6px;padding:8px 12px;margin:0 0 16px}
.errors ul{margin:0;padding-left:18px}
.note{color:#71717a;font-size:13px;margin-top:16px}
.outcome{font-size:17px;margin:0 0 12px}
.req{color:#b91c1c}
blockquote{margin:8px 0 0;padding:8px 12px;border-left:3px solid #d4d4d8;color:#333;white-space:pre-wrap;word-break:break-word}
footer{color:#52525b;font-size:12px;text-align:center;margin:12px 0}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.92em;word-break:break-word}
.tool-label{margin:0 0 4px;font-size:14px;color:#555}
.tool-pre{margin:0 0 16px;padding:10px;background:#fafafa;border:1px solid #e4e4e7;border-radius:6px;font-size:13px;white-space:pre-wrap;word-break:break-word}
.tool-del,.tool-ins,.tool-hunk,.tool-ctx{display:block}
.tool-del{background:#fef2f2;color:#991b1b}.tool-ins{background:#f0fdf4;color:#166534}.tool-hunk{color:#1e3a8a}
.session{background:#166534}
`;

function pageShell(nonce: string, title: string, body: Safe): string {
  return html`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="same-origin"><meta name="robots" content="noindex,nofollow">
<title>${title} · LoopPause</title><style nonce="${nonce}">${raw(STYLE)}</style></head>
<body><main>${body}<footer>LoopPause</footer></main></body></html>`.value;
}

/** The request: for a tool call the whole call (this page is where the e-mail and Slack send for what they cut). */
function requestSummary(pause: Pause, nowMs: number): Safe {
  const { request } = pause;
  const view = pause.tool_call ? toolCallView(pause.tool_call, pause.agent_id) : undefined;
  const rows = (view ? toolCallFacts(view) : Object.entries(request.action_details)).map(
    ([k, v]) => html`<tr><th scope="row">${k}</th><td>${lines(v)}</td></tr>`,
  );
  const table = rows.length > 0 ? html`<table>${rows}</table>` : '';
  const rule = pause.policy_rule === undefined ? '' : html` · policy rule <strong>${pause.policy_rule}</strong>`;
  const by = html`<p class="meta">Requested by <strong>${pause.agent_id}</strong>${rule}</p>`;
  const expires = html`<p class="meta">Expires ${formatUtc(pause.expires_at)} (${formatRelative(pause.expires_at, nowMs)})</p>`;
  const call = view ? toolCallBody(view, 'classes') : '';
  return html`<h1>${lines(request.action_description)}</h1>${call}${table}${by}${expires}`;
}

/** Approve / Reject, a comment box and the response fields. Posts to itself. */
export function formPage(input: FormPageInput): string {
  const { pause, values, chosen } = input;
  const fields = pause.request.response_fields ?? [];
  const errors =
    input.errors && input.errors.length > 0
      ? html`<div class="errors" role="alert"><ul>${input.errors.map((e) => html`<li>${e}</li>`)}</ul></div>`
      : '';
  const fieldInputs = fields.map((f) => {
    const id = `field_${f.name}`;
    const value = (values && Object.hasOwn(values.fields, f.name) ? values.fields[f.name] : undefined) ?? '';
    const required = f.required ? html` <span class="req">(required to approve)</span>` : '';
    const label = html`<label for="${id}">${f.label}${required}</label>`;
    return html`${label}<input type="text" id="${id}" name="${id}" maxlength="${MAX_TEXT}" value="${value}">`;
  });
  const button = (choice: Choice) =>
    html`<button type="submit" name="decision" value="${choice}" class="${choice === 'approved' ? 'approve' : 'reject'}${
      chosen === choice ? ' chosen' : ''
    }">${choice === 'approved' ? 'Approve' : 'Reject'}</button>`;
  const order: Choice[] = chosen === 'rejected' ? ['rejected', 'approved'] : ['approved', 'rejected'];
  const remember = pause.plan?.remember_ms;
  // "Approve for this session" sits right after Approve, wherever Approve is.
  const session =
    remember === undefined
      ? ''
      : html`<button type="submit" name="decision" value="${APPROVE_FOR_SESSION}" class="approve session">Approve for this session (${rememberWindow(remember)})</button>`;
  const buttons = order.map((choice) => (choice === 'approved' ? html`${button(choice)}${session}` : button(choice)));
  const sessionNote =
    remember === undefined
      ? ''
      : html`<p class="note">For this session: the same call in the same session then runs without asking for ${rememberWindow(remember)}.</p>`;
  const hint = chosen
    ? html`<p class="meta">You chose <strong>${chosen === 'approved' ? 'Approve' : 'Reject'}</strong>. Add a comment if you like, then confirm below.</p>`
    : '';
  const formKey = html`<input type="hidden" name="form_key" value="${input.formKey}">`;
  const commentLabel = html`<label for="comment">Comment <span class="meta">(optional, the agent sees it)</span></label>`;
  const comment = html`${commentLabel}<textarea id="comment" name="comment" maxlength="${MAX_TEXT}">${values?.comment ?? ''}</textarea>`;
  const form = html`<form method="post" autocomplete="off">${errors}${formKey}${fieldInputs}${comment}<div class="buttons">${buttons}</div>${sessionNote}</form>`;
  const note = html`<p class="note">Deciding as ${input.recipient}. Nothing is decided until you press a button.</p>`;
  const summary = requestSummary(pause, input.nowMs);
  const body = html`<div class="card"><p class="eyebrow">Approval needed</p>${summary}${progressLine(pause)}${hint}${form}${note}</div>`;
  return pageShell(input.nonce, 'Approval needed', body);
}

/** "1 of 2 approvals so far — ada@example.com ✓" while a quorum collects votes. */
function progressLine(pause: Pause): Safe | '' {
  const progress = approvalProgress(pause);
  return progress === undefined ? '' : html`<p class="meta progress"><strong>${progress}</strong></p>`;
}

/**
 * A pending request this recipient cannot act on (they already voted; they own the key): what it
 * is and where it stands, without the form.
 */
export function standingPage(input: {
  nonce: string;
  pause: Pause;
  title: string;
  line: string;
  nowMs: number;
}): string {
  const summary = requestSummary(input.pause, input.nowMs);
  const body = html`<div class="card"><p class="eyebrow">${input.title}</p><p class="outcome">${input.line}</p>${progressLine(input.pause)}<p class="note">The request:</p>${summary}</div>`;
  return pageShell(input.nonce, input.title, body);
}
const CHANNEL_NAMES: Record<string, string> = { slack: 'Slack', email: 'e-mail', web: 'the web' };

/** "Already approved by X via Slack at …": what happened to a pause that is no longer pending. */
function describeOutcome(pause: Pause): { title: string; line: string; detail?: string } {
  const response = pause.response;
  if (pause.status === 'responded' && response) {
    const verb = response.decision === 'approved' ? 'approved' : 'rejected';
    return {
      title: `Already ${verb}`,
      line: `Already ${verb} by ${response.responder} via ${CHANNEL_NAMES[response.channel] ?? response.channel} at ${formatUtc(response.responded_at)}.`,
      ...(response.comment ? { detail: response.comment } : {}),
    };
  }
  if (pause.status === 'timed_out') {
    return {
      title: 'Timed out',
      line: `This request timed out at ${formatUtc(pause.ended_at ?? pause.expires_at)} without a decision; the agent was told not to act.`,
    };
  }
  return {
    title: 'Withdrawn',
    line: `The agent withdrew this request${pause.ended_at ? ` at ${formatUtc(pause.ended_at)}` : ''}; there is nothing left to decide.`,
    ...(pause.cancel_reason ? { detail: `Reason: ${pause.cancel_reason}` } : {}),
  };
}

/** A link that no longer decides anything: the pause has ended (410). */
export function endedPage(nonce: string, pause: Pause, nowMs: number): string {
  const outcome = describeOutcome(pause);
  const body = html`<div class="card"><p class="eyebrow">${outcome.title}</p><p class="outcome">${outcome.line}</p>${
    outcome.detail ? html`<blockquote>${outcome.detail}</blockquote>` : ''
  }<p class="note">The request was:</p>${requestSummary(pause, nowMs)}</div>`;
  return pageShell(nonce, outcome.title, body);
}

/** After this page's POST decided. */
export function decidedPage(nonce: string, pause: Pause): string {
  const response = pause.response;
  const verb = response?.decision === 'approved' ? 'approved' : 'rejected';
  const comment = response?.comment
    ? html`<p class="meta">Your comment:</p><blockquote>${response.comment}</blockquote>`
    : '';
  const at = formatUtc(response?.responded_at ?? new Date().toISOString());
  const session =
    verb === 'approved' && response?.remember_until !== undefined
      ? html` for this session: the same call runs without asking until ${formatUtc(response.remember_until)}`
      : '';
  const outcome = html`<p class="outcome">You ${verb} this request${session}. The agent has been told.</p>`;
  const body = html`<div class="card"><p class="eyebrow">Done</p>${outcome}<h1>${lines(pause.request.action_description)}</h1>${comment}<p class="note">Recorded at ${at}. You can close this page.</p></div>`;
  return pageShell(nonce, verb === 'approved' ? 'Approved' : 'Rejected', body);
}

/** Unknown links (404), refused posts (403), errors: a title and one explanation. */
export function messagePage(nonce: string, title: string, line: string): string {
  return pageShell(
    nonce,
    title,
    html`<div class="card"><p class="eyebrow">${title}</p><p class="outcome">${line}</p></div>`,
  );
}
