import { approvalsOf } from '../domain/approvals/index.js';
import type { Pause } from '../domain/pause.js';
import { rememberWindow, toolCallView } from '../domain/tool-call-view.js';
import { html, lines, raw, type Safe } from '../web/html.js';
import { formatRelative, formatUtc, oneLine, stripControls } from '../web/text.js';
import { toolCallBody, toolCallFacts, toolCallText } from '../web/tool-call-html.js';

/** What the request e-mail needs besides the pause: where its links go, and "now" for the relative expiry. */
export interface RequestEmailInput {
  pause: Pick<
    Pause,
    'pause_id' | 'agent_id' | 'expires_at' | 'request' | 'policy_rule' | 'plan' | 'votes' | 'tool_call'
  >;
  /** The decision page for this recipient: `…/decide/<token>`. */
  decideUrl: string;
  nowMs: number;
  /**
   * `request` (default): the first e-mail. `reminder`: a nudge in the request's thread ("Re: …").
   * `escalation`: the request sent on to an escalation step's address. `delegation`: sent to the
   * delegate of an away approver.
   */
  kind?: RequestEmailKind;
  /** "Sarah is away until … — Bob decides for them": one line per away approver (plain text, escaped here). */
  away?: readonly string[];
}

export type RequestEmailKind = 'request' | 'reminder' | 'escalation' | 'delegation';

const OPENING: Record<RequestEmailKind, { eyebrow: string; line: string }> = {
  request: { eyebrow: 'Approval needed', line: 'An AI agent is waiting for your approval before it acts.' },
  reminder: {
    eyebrow: 'Reminder: approval still needed',
    line: 'Reminder: an AI agent is still waiting for your approval before it acts.',
  },
  escalation: {
    eyebrow: 'Escalated: approval needed',
    line: 'Escalated to you: an AI agent is waiting for approval before it acts, and the request is still open.',
  },
  delegation: {
    eyebrow: 'Approval needed: you decide for someone away',
    line: 'You decide for an approver who is away: an AI agent is waiting for approval before it acts.',
  },
};

/**
 * "1 of 2 approvals so far — ada@example.com ✓" while a quorum collects votes; undefined when one
 * approval decides. Plain text: escape it where it goes into HTML.
 */
export function approvalProgress(pause: Pick<Pause, 'plan' | 'votes'>): string | undefined {
  const quorum = pause.plan?.quorum ?? 1;
  if (quorum <= 1) return undefined;
  const approvals = approvalsOf(pause.votes ?? []);
  const who = approvals.map((a) => `${oneLine(a.responder, 150)} ✓`).join(', ');
  return `${approvals.length} of ${quorum} approvals so far${who === '' ? '' : ` — ${who}`}`;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

const SUBJECT_MAX = 90;
/** Characters of a tool call's command, diff or JSON in the e-mail; the decision page shows it all. */
const TOOL_TEXT_BUDGET = 4000;

/** The request e-mail: the same facts as the Slack message, every agent-supplied string escaped (by `html`). Pure. */
export function renderRequestEmail({
  pause,
  decideUrl,
  nowMs,
  kind = 'request',
  away = [],
}: RequestEmailInput): RenderedEmail {
  const { request } = pause;
  const opening = OPENING[kind];
  const subject = `${kind === 'reminder' ? 'Re: ' : ''}Approval needed: ${oneLine(request.action_description, SUBJECT_MAX)}`;
  const progress = approvalProgress(pause);
  const approveUrl = `${decideUrl}?decision=approved`;
  const rejectUrl = `${decideUrl}?decision=rejected`;
  const expiry = `${formatUtc(pause.expires_at)} (${formatRelative(pause.expires_at, nowMs)})`;
  const call = pause.tool_call ? toolCallView(pause.tool_call, pause.agent_id, { text: TOOL_TEXT_BUDGET }) : undefined;
  // A tool call's facts (tool, agent, session, directory, source) stand for the details.
  const details = call ? toolCallFacts(call) : Object.entries(request.action_details);
  const fields = request.response_fields ?? [];
  const cutNote = call?.cut ? 'Cut for e-mail: the full input is on the decision page.' : undefined;
  const remember = pause.plan?.remember_ms;
  const sessionNote =
    remember === undefined
      ? undefined
      : `The decision page also offers "Approve for this session": the same call in the same session then runs without asking for ${rememberWindow(remember)}.`;

  const text = [
    opening.line,
    '',
    'What it wants to do:',
    quoted(request.action_description),
    '',
    ...(call ? [...toolCallText(call), ...(cutNote ? [`${cutNote} ${decideUrl}`] : []), ''] : []),
    ...(details.length > 0
      ? ['Details:', ...details.map(([k, v]) => `  ${oneLine(k, 150)}: ${oneLine(v, 2000)}`), '']
      : []),
    `Requested by: ${oneLine(pause.agent_id, 150)}`,
    ...(pause.policy_rule === undefined ? [] : [`Policy rule: ${oneLine(pause.policy_rule, 100)}`]),
    `Expires: ${expiry}`,
    ...(progress === undefined ? [] : [`Progress: ${progress}`]),
    ...away.map((line) => oneLine(line, 400)),
    ...(fields.length > 0
      ? [
          '',
          'You will be asked for:',
          ...fields.map((f) => `  - ${oneLine(f.label, 150)}${f.required ? ' (required)' : ''}`),
        ]
      : []),
    '',
    `Approve: ${approveUrl}`,
    `Reject:  ${rejectUrl}`,
    '',
    'Each link opens a page where you confirm (and may add a comment); nothing is decided until you do.',
    ...(sessionNote ? [sessionNote] : []),
    'Do not forward this e-mail: its links let whoever has them decide.',
    '',
    `Request ${pause.pause_id}, sent by LoopPause.`,
  ].join('\n');

  // Quoted as it is (its single quotes stay as written): markup of ours, not text.
  const font = raw("font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;");
  const detailRows = details.map(
    ([k, v]) =>
      html`<tr><td style="${font}padding:6px 12px 6px 0;color:#555555;font-size:13px;vertical-align:top;white-space:nowrap;border-top:1px solid #eeeeee;">${k}</td><td style="${font}padding:6px 0;color:#111111;font-size:13px;vertical-align:top;word-break:break-word;border-top:1px solid #eeeeee;">${lines(v)}</td></tr>`,
  );
  const detailsTable =
    details.length > 0
      ? html`<tr><td style="padding:0 24px 16px 24px;"><table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;">${detailRows}</table></td></tr>`
      : '';
  const toolCallRow = call
    ? html`<tr><td style="${font}padding:0 24px 8px 24px;font-size:13px;color:#111111;">${toolCallBody(call, 'inline')}${
        cutNote
          ? html`<p style="margin:0 0 8px 0;font-size:13px;color:#555555;">${cutNote} <a href="${decideUrl}" target="_blank" style="color:#1d4ed8;">Open it</a></p>`
          : ''
      }</td></tr>
`
    : '';
  const fieldsNote =
    fields.length > 0
      ? html`<tr><td style="${font}padding:0 24px 16px 24px;font-size:13px;color:#555555;">You will be asked for: ${fields.map(
          (f, i) => html`${i > 0 ? ', ' : ''}${f.label}${f.required ? ' (required)' : ''}`,
        )}</td></tr>`
      : '';
  const progressRow =
    progress === undefined
      ? ''
      : html`<tr><td style="${font}padding:0 24px 16px 24px;font-size:13px;color:#111111;"><strong>${progress}</strong></td></tr>\n`;
  const awayRows = away.map(
    (line) =>
      html`<tr><td style="${font}padding:0 24px 16px 24px;font-size:13px;color:#111111;">${oneLine(line, 400)}</td></tr>\n`,
  );
  const button = (href: string, label: string, color: string): Safe =>
    html`<td align="center" bgcolor="${color}" style="border-radius:6px;background-color:${color};"><a href="${href}" target="_blank" style="${font}display:inline-block;padding:12px 28px;font-size:15px;font-weight:bold;color:#ffffff;text-decoration:none;border-radius:6px;">${label}</a></td>`;
  const rule =
    pause.policy_rule === undefined
      ? ''
      : html` · policy rule <strong style="color:#111111;">${pause.policy_rule}</strong>`;

  const markup = html`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="color-scheme" content="light"><title>${subject}</title></head>
<body style="margin:0;padding:0;background-color:#f4f4f5;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:#f4f4f5;"><tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" style="max-width:600px;width:100%;background-color:#ffffff;border:1px solid #e4e4e7;border-radius:8px;">
<tr><td style="${font}padding:20px 24px 4px 24px;font-size:12px;color:#71717a;text-transform:uppercase;letter-spacing:1px;">${opening.eyebrow}</td></tr>
<tr><td style="${font}padding:4px 24px 16px 24px;font-size:17px;line-height:24px;color:#111111;font-weight:bold;word-break:break-word;">${lines(request.action_description)}</td></tr>
${toolCallRow}${detailsTable}
<tr><td style="${font}padding:0 24px 4px 24px;font-size:13px;color:#555555;">Requested by <strong style="color:#111111;">${pause.agent_id}</strong>${rule}</td></tr>
<tr><td style="${font}padding:0 24px 16px 24px;font-size:13px;color:#555555;">Expires ${expiry}</td></tr>
${progressRow}${awayRows}${fieldsNote}
<tr><td style="padding:8px 24px 20px 24px;"><table role="presentation" cellpadding="0" cellspacing="0" border="0"><tr>${button(approveUrl, 'Approve', '#15803d')}<td width="12" style="width:12px;">&nbsp;</td>${button(rejectUrl, 'Reject', '#b91c1c')}</tr></table></td></tr>
<tr><td style="${font}padding:0 24px 20px 24px;font-size:12px;line-height:18px;color:#71717a;">Each button opens a page where you confirm and may add a comment; nothing is decided until you do.${sessionNote ? ` ${sessionNote}` : ''} Do not forward this e-mail: its links let whoever has them decide.</td></tr>
</table>
<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" style="max-width:600px;width:100%;"><tr><td style="${font}padding:12px 24px;font-size:11px;color:#a1a1aa;text-align:center;">Request ${pause.pause_id} · sent by LoopPause</td></tr></table>
</td></tr></table>
</body></html>`;

  return { subject, text, html: markup.value };
}

/**
 * Agent text in the plain-text part, every line behind "> ": a description cannot fake our own
 * lines ("Requested by:", "Approve: https://…") in a reader that shows only text.
 */
function quoted(text: string): string {
  return stripControls(text)
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n');
}
