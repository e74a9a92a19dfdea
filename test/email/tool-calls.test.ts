import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../src/main.js';
import { formKeyIn, postDecision } from '../helpers/email.js';
import { startTestService } from '../helpers/service.js';
import { decideLink, TestSmtp } from '../helpers/smtp.js';
import { createToolCallPause, expectRememberedFor } from '../helpers/tool-call-pauses.js';

const TO = 'ops@example.com';
const HOSTILE = 'rm -rf "$HOME" && echo </pre><script>alert(1)</script> `id`';

describe('a tool call by e-mail (real SMTP) and on the decision page', () => {
  let smtp: TestSmtp;
  let running: RunningService;

  beforeAll(async () => {
    smtp = await new TestSmtp().start();
    running = await startTestService({ SMTP_URL: smtp.url });
  });
  afterAll(async () => {
    await running?.close();
    await smtp?.stop();
  });

  const mailFor = async (pauseId: string) => {
    const [mail] = await smtp.waitFor({ match: (m) => (m.text ?? '').includes(pauseId) });
    if (!mail) throw new Error('no mail');
    return mail;
  };

  it('mails the command escaped (HTML and text), with session and directory; the page approves for the session', async () => {
    const pause = await createToolCallPause(
      running,
      { tool: 'Bash', input: { command: HOSTILE }, session_id: 'sess-7', cwd: '/srv/app', source: 'claude-code' },
      { recipient_email: TO },
    );
    const mail = await mailFor(pause.pause_id);
    const html = String(mail.html);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt; &#96;id&#96;');
    expect(html).toContain('sess-7');
    expect(html).toContain('/srv/app');
    expect(html).toContain('Approve for this session');
    expect(mail.text).toContain(`Command (Bash):\n> ${HOSTILE}`);
    expect(mail.text).toContain('Session: sess-7');
    expect(mail.text).toContain('Working directory: /srv/app');
    expect(mail.text).toContain('Source: Claude Code hook');
    expect(mail.text).not.toContain('Cut for e-mail');

    const link = decideLink(mail);
    const page = await (await fetch(link)).text();
    expect(page).not.toContain('<script>');
    expect(page).toContain('<code>rm -rf &quot;$HOME&quot; &amp;&amp; echo &lt;/pre&gt;&lt;script&gt;');
    expect(page).toContain('name="decision" value="approved_for_session"');
    expect(page).toContain('Approve for this session (1 h)');

    const res = await postDecision(link, {
      form_key: formKeyIn(page),
      decision: 'approved_for_session',
      comment: '',
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('You approved this request');
    const decided = await running.service.get(pause.pause_id);
    expect(decided?.response).toMatchObject({ decision: 'approved', channel: 'email', responder: TO });
    expectRememberedFor(decided?.response);
  });

  it('a long Write is cut in the e-mail with a pointer to the page, which shows it whole; no session choice without remember', async () => {
    const content = Array.from({ length: 2000 }, (_, i) => `line ${i} <b>&</b>`).join('\n');
    const pause = await createToolCallPause(
      running,
      { tool: 'Write', input: { file_path: '/srv/app/big.txt', content }, source: 'cursor' },
      { recipient_email: TO },
      { plan: undefined },
    );
    const mail = await mailFor(pause.pause_id);
    expect(mail.text).toContain('Cut for e-mail: the full input is on the decision page.');
    expect(String(mail.html)).toContain('Cut for e-mail: the full input is on the decision page.');
    expect(String(mail.html)).not.toContain('line 1999');
    expect(String(mail.html)).not.toContain('Approve for this session');

    const link = decideLink(mail);
    const page = await (await fetch(link)).text();
    expect(page).toContain('Write <code>/srv/app/big.txt</code>');
    expect(page).toContain('<span class="tool-ins">+line 1999 &lt;b&gt;&amp;&lt;/b&gt;</span>');
    expect(page).not.toContain('approved_for_session');

    // A forged "for this session" post on a rule without remember decides nothing.
    const res = await postDecision(link, { form_key: formKeyIn(page), decision: 'approved_for_session', comment: '' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('cannot be approved for the session');
    expect((await running.service.get(pause.pause_id))?.status).toBe('pending');
  });
});
