import { html } from '../../web/html.js';
import { type Chrome, type Flash, layout, notice } from './layout.js';

export function signInPage(chrome: Chrome, formToken: string, flash?: Flash): string {
  const body = html`<div class="card narrow"><h1>Sign in to LoopPause</h1>
${notice(flash)}
<p class="muted">No password: we e-mail you a link that signs you in once, for 15 minutes. Or type <code>/looppause login</code> in Slack.</p>
<form method="post" action="/dashboard/signin"><input type="hidden" name="csrf" value="${formToken}">
<label for="email">Work e-mail</label><input type="email" id="email" name="email" autocomplete="email" required maxlength="254">
<div class="buttons"><button type="submit">E-mail me a sign-in link</button></div></form></div>`;
  return layout(chrome, 'Sign in', body);
}

export function linkConfirmPage(chrome: Chrome, formKey: string): string {
  const body = html`<div class="card narrow"><h1>Sign in to LoopPause</h1>
<p>This link signs you in once. Press the button to continue.</p>
<form method="post"><input type="hidden" name="form_key" value="${formKey}">
<div class="buttons"><button type="submit">Sign in</button></div></form>
<p class="meta">Links expire 15 minutes after they are sent.</p></div>`;
  return layout(chrome, 'Sign in', body);
}
