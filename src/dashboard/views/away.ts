import { html } from '../../web/html.js';
import { formatUtc } from '../../web/text.js';
import type { AwayRow, AwayView } from '../presenters/away.js';
import { type Chrome, type Flash, layout, notice } from './layout.js';

/** The Away page: set "away until T, D decides for me", end it; admins for anyone. Everything is escaped by `html`. */
export function awayPage(chrome: Chrome, input: AwayView & { csrf: string; flash?: Flash }): string {
  const endForm = (absent: string, label: string) =>
    html`<form method="post" action="/dashboard/away/end"><input type="hidden" name="csrf" value="${input.csrf}"><input type="hidden" name="absent" value="${absent}"><button type="submit" class="reject" aria-label="${label}">End now</button></form>`;
  const mine = input.mine
    ? html`<section class="card" aria-labelledby="mine"><h2 id="mine">You are away</h2><p>Until ${formatUtc(input.mine.until)}: <strong>${input.mine.delegate}</strong> receives your requests and decides for you.</p>${endForm(input.mine.absent, 'End my delegation now')}</section>`
    : '';
  const standing =
    input.standingIn.length > 0
      ? html`<section class="card" aria-labelledby="standing"><h2 id="standing">You decide for</h2><ul>${input.standingIn.map(
          (d) => html`<li><strong>${d.absent}</strong> until ${formatUtc(d.until)}</li>`,
        )}</ul></section>`
      : '';
  const rows = (list: AwayRow[]) =>
    list.map(
      (d) =>
        html`<tr><td>${d.absent}</td><td>${d.delegate}</td><td>${formatUtc(d.until)}</td><td>${d.set_by}</td><td>${endForm(d.absent, `End ${d.absent}'s delegation`)}</td></tr>`,
    );
  const all = input.all
    ? html`<section class="card scroll" aria-labelledby="all"><h2 id="all">Everyone away</h2>${
        input.all.length > 0
          ? html`<table><thead><tr><th scope="col">Away</th><th scope="col">Decides for them</th><th scope="col">Until</th><th scope="col">Set by</th><th scope="col"><span class="muted">Action</span></th></tr></thead><tbody>${rows(input.all)}</tbody></table>`
          : html`<p class="empty">Nobody is away.</p>`
      }</section>`
    : '';
  const body = html`<h1>Away</h1>
${notice(input.flash)}
${mine}${standing}
<section class="card"><h2>${input.mine ? 'Change it' : 'Going away?'}</h2>
<p class="meta">While you are away, the person you name receives the requests you could decide and may vote in your place; their vote records that it was for you. It ends by itself at the time you give.</p>
<form method="post" action="/dashboard/away"><input type="hidden" name="csrf" value="${input.csrf}">
${input.admin ? html`<label for="a-absent">Who is away <span class="muted">(admins: anyone; empty: you)</span></label><input type="text" id="a-absent" name="absent" maxlength="254">` : ''}
<label for="a-delegate">Who decides meanwhile <span class="muted">(e-mail address or Slack user id)</span></label><input type="text" id="a-delegate" name="delegate" required maxlength="254">
<label for="a-until">Until <span class="muted">(UTC)</span></label><input type="datetime-local" id="a-until" name="until" required>
<div class="buttons"><button type="submit">Set away</button></div></form></section>
${all}`;
  return layout({ ...chrome, current: 'away' }, 'Away', body);
}
