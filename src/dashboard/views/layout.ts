import { html, raw, type Safe } from '../../web/html.js';
import type { Viewer } from '../access.js';
import { STYLE } from '../style.js';

/** The frame every dashboard page shares, and the one-line pages. Pure: values not built here are escaped by `html`. */

export type Section = 'waiting' | 'history' | 'away' | 'keys' | 'policy' | 'webhooks';

export interface Chrome {
  nonce: string;
  viewer?: Viewer;
  /** The session's CSRF token, for the sign-out form. */
  csrf?: string;
  current?: Section;
  /** What the live script refreshes on a change: the page's `#live` region. */
  live?: 'list' | `pause:${string}`;
}

export function layout(chrome: Chrome, title: string, body: Safe): string {
  const { viewer, current } = chrome;
  const link = (section: Section, label: string) =>
    html`<li><a href="/dashboard/${section}"${current === section ? raw(' aria-current="page"') : ''}>${label}</a></li>`;
  const nav = viewer
    ? html`<nav aria-label="Dashboard"><ul>${link('waiting', 'Waiting for me')}${link('history', 'History')}${link('away', 'Away')}${
        viewer.admin ? [link('keys', 'API keys'), link('policy', 'Policy'), link('webhooks', 'Webhooks')] : ''
      }</ul></nav>
      <div class="who"><span>${viewer.email}${viewer.admin ? ' · admin' : ''}</span>
      <form method="post" action="/dashboard/signout"><input type="hidden" name="csrf" value="${chrome.csrf ?? ''}"><button type="submit">Sign out</button></form></div>`
    : '';
  const script = viewer ? html`<script nonce="${chrome.nonce}" src="/dashboard/app.js" defer></script>` : '';
  return `<!DOCTYPE html>${html`<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="same-origin"><meta name="robots" content="noindex,nofollow">
<title>${title} · LoopPause</title><style nonce="${chrome.nonce}">${raw(STYLE)}</style>${script}</head>
<body${chrome.live ? html` data-live="${chrome.live}"` : ''}><a class="skip" href="#content">Skip to content</a>
<header class="top"><div class="bar"><a class="brand" href="/dashboard">LoopPause</a>${nav}</div></header>
<main id="content">${body}</main></body></html>`}`;
}

/** What just happened, at the top of a page ("Decided. The agent has been told."). */
export interface Flash {
  kind: 'ok' | 'error';
  text: string;
}

export function notice(flash: Flash | undefined): Safe | '' {
  return flash ? html`<p class="notice ${flash.kind}" role="status">${flash.text}</p>` : '';
}

export function messagePage(
  chrome: Chrome,
  title: string,
  line: string,
  next?: { href: string; label: string },
): string {
  const body = html`<div class="card narrow"><h1>${title}</h1><p>${line}</p>${
    next ? html`<p><a href="${next.href}">${next.label}</a></p>` : ''
  }</div>`;
  return layout(chrome, title, body);
}
