import type { RunningService } from '../../src/main.js';
import type { TestSmtp } from '../helpers/smtp.js';

/** A tiny cookie-keeping client for the dashboard, as a browser would send it (same origin). */
export class DashboardClient {
  cookies = new Map<string, string>();

  constructor(
    readonly running: RunningService,
    readonly origin: string = running.url,
  ) {}

  async get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    return this.send(path, { method: 'GET', headers });
  }

  async post(path: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
    return this.send(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: this.origin, ...headers },
      body: new URLSearchParams(form).toString(),
    });
  }

  async send(path: string, init: RequestInit & { headers: Record<string, string> }): Promise<Response> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(`${this.running.url}${path}`, {
      ...init,
      redirect: 'manual',
      headers: { ...(cookie ? { cookie } : {}), ...init.headers },
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (/Max-Age=0/.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  /** The hidden field `name` of the last form on a page. */
  static field(page: string, name: string): string {
    const all = [...page.matchAll(new RegExp(`name="${name}" value="([^"]*)"`, 'g'))];
    const value = all.at(-1)?.[1];
    if (value === undefined) throw new Error(`no ${name} field on the page`);
    return value;
  }

  /** Asks for a link for `email` and returns the link from the mail (waits for it). */
  async requestLink(email: string, smtp: TestSmtp): Promise<string> {
    const page = await (await this.get('/dashboard/signin')).text();
    const seen = new Set(smtp.mails);
    const res = await this.post('/dashboard/signin', { csrf: DashboardClient.field(page, 'csrf'), email });
    if (res.status !== 200) throw new Error(`sign-in form answered ${res.status}`);
    const [mail] = await smtp.waitFor({
      match: (m) =>
        !seen.has(m) && m.subject === 'Your LoopPause sign-in link' && JSON.stringify(m.to ?? '').includes(email),
    });
    const link = /https?:\/\/\S+\/dashboard\/signin\/[A-Za-z0-9_-]{43}/.exec(mail?.text ?? '')?.[0];
    if (!link) throw new Error('no link in the sign-in mail');
    return link;
  }

  /** Follows a sign-in link: the confirm page, then its POST. Returns the POST's answer. */
  async useLink(link: string): Promise<Response> {
    const path = new URL(link).pathname;
    const page = await (await this.get(path)).text();
    return this.post(path, { form_key: DashboardClient.field(page, 'form_key') });
  }

  async signIn(email: string, smtp: TestSmtp): Promise<void> {
    const res = await this.useLink(await this.requestLink(email, smtp));
    if (res.status !== 303) throw new Error(`sign-in answered ${res.status}`);
  }

  /** The session's CSRF token, read from a signed-in page. */
  async csrf(): Promise<string> {
    return DashboardClient.field(await (await this.get('/dashboard/waiting')).text(), 'csrf');
  }
}
