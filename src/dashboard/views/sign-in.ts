import { html } from '../../web/html.js';
import { type Chrome, type Flash, layout, notice } from './layout.js';

/** How people may sign in here: by e-mail link (unless the identity provider is the only way), and with it when configured. */
export interface SignInWays {
  /** The identity provider's name on the "Sign in with …" button. */
  sso?: string;
  /** E-mail (and Slack) sign-in links; off when LOOPPAUSE_OIDC_ONLY=true. */
  links: boolean;
}

export function signInPage(
  chrome: Chrome,
  formToken: string,
  flash?: Flash,
  ways: SignInWays = { links: true },
): string {
  // A link, not a form: the page's CSP lets forms post only here, and the round trip leaves for the provider.
  const sso = ways.sso
    ? html`<div class="buttons"><a class="button" href="/dashboard/oidc/start">Sign in with ${ways.sso}</a></div>`
    : '';
  const links = ways.links
    ? html`<p class="muted">${ways.sso ? 'Or, with no password: ' : 'No password: '}we e-mail you a link that signs you in once, for 15 minutes. Or type <code>/looppause login</code> in Slack.</p>
<form method="post" action="/dashboard/signin"><input type="hidden" name="csrf" value="${formToken}">
<label for="email">Work e-mail</label><input type="email" id="email" name="email" autocomplete="email" required maxlength="254">
<div class="buttons"><button type="submit">E-mail me a sign-in link</button></div></form>`
    : '';
  const body = html`<div class="card narrow"><h1>Sign in to LoopPause</h1>
${notice(flash)}
${sso}
${links}</div>`;
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
