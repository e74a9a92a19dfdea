import { describe, expect, it } from 'vitest';
import type { Pause } from '../../src/domain/pause.js';
import { decidedPage, endedPage, formPage, messagePage, standingPage } from '../../src/email/page.js';
import { approvalProgress, renderRequestEmail } from '../../src/email/template.js';
import { escapeHtml, formatRelative, formatUtc } from '../../src/web/text.js';

const NASTY = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "'><svg onload=alert(1)>", '`{{x}}`'];
const nasty = (i: number) => `${NASTY[i % NASTY.length]} #${i}`;

const NOW = Date.parse('2030-01-01T10:00:00.000Z');

function pauseWith(overrides: Partial<Pause> = {}): Pause {
  return {
    pause_id: 'pse_aaaaaaaaaaaaaaaaaaaaaaaaaa',
    agent_id: nasty(0),
    status: 'pending',
    created_at: new Date(NOW).toISOString(),
    expires_at: new Date(NOW + 3 * 3_600_000).toISOString(),
    request: {
      action_description: `${nasty(0)}\n${nasty(1)} drop table users`,
      action_details: { [nasty(1)]: nasty(2), [nasty(3)]: nasty(0), plain: 'value' },
      recipient_email: 'ops@example.com',
      timeout_hours: 3,
      response_fields: [
        { name: 'po', label: nasty(1), required: true },
        { name: 'note', label: nasty(0) },
      ],
    },
    action_digest: 'd'.repeat(64),
    delivery: {},
    ...overrides,
  };
}

const TAGS = new Set(
  'html head meta title style body main table tr td th a strong div p h1 ul li form input label textarea span button blockquote footer br'.split(
    ' ',
  ),
);
const ATTRIBUTES = new Set(
  'lang charset name content nonce role width cellpadding cellspacing border style align bgcolor href target class scope method autocomplete type value id for maxlength'.split(
    ' ',
  ),
);

/** No agent string may become markup: every tag and attribute is one the template itself writes. */
function expectInert(html: string): void {
  const body = html.replace(/^<!DOCTYPE html>/, '').replace(/<style[^>]*>[^<]*<\/style>/, '<style></style>');
  for (const [, name, attrs] of body.matchAll(/<\/?([A-Za-z][\w-]*)([^>]*)>/g)) {
    expect(TAGS, `tag <${name}>`).toContain(name?.toLowerCase());
    // Attribute values are quoted and escaped, so no `<`, `>` or `"` of the agent's can be inside.
    const names = [...(attrs ?? '').matchAll(/\s([^\s=]+)="[^"<>]*"/g)].map((m) => m[1]);
    const rest = (attrs ?? '').replace(/\s([^\s=]+)="[^"<>]*"/g, '').trim();
    expect(rest, `stray text in <${name}${attrs}>`).toBe('');
    for (const attr of names) expect(ATTRIBUTES, `attribute ${attr} in <${name}>`).toContain(attr);
  }
  expect(html).not.toContain('`');
}

describe('request e-mail template', () => {
  const decideUrl = 'https://lp.example.com/decide/TOKEN_abc';
  const mail = renderRequestEmail({ pause: pauseWith(), decideUrl, nowMs: NOW });

  it('escapes every agent-supplied string in the HTML: description, detail keys and values, labels, agent', () => {
    expectInert(mail.html);
    expect(mail.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; #0');
    expect(mail.html).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt; #1');
    expect(mail.html).toContain('&#39;&gt;&lt;svg onload=alert(1)&gt; #2');
    expect(mail.html).toContain('&#96;{{x}}&#96; #3');
    // The description keeps its line break, as markup of ours.
    expect(mail.html).toContain('#0<br>&quot;&gt;');
  });

  it('shows the details as a table, who asks, the expiry in UTC and relative, and the response fields', () => {
    expect(mail.html).toMatch(/<table role="presentation"[^>]*>.*plain.*value/s);
    expect(mail.html).toContain('2030-01-01 13:00 UTC (in 3 hours)');
    expect(mail.text).toContain('Expires: 2030-01-01 13:00 UTC (in 3 hours)');
    expect(mail.text).toContain('plain: value');
    expect(mail.text).toContain(`Requested by: ${nasty(0)}`);
    expect(mail.text).toContain(`  - ${nasty(1)} (required)`);
    expect(mail.text).toContain('pse_aaaaaaaaaaaaaaaaaaaaaaaaaa');
  });

  it('has Approve and Reject button links to the decision page, in both parts', () => {
    expect(mail.html).toContain(`href="${decideUrl}?decision=approved"`);
    expect(mail.html).toContain(`href="${decideUrl}?decision=rejected"`);
    expect(mail.text).toContain(`Approve: ${decideUrl}?decision=approved`);
    expect(mail.text).toContain(`Reject:  ${decideUrl}?decision=rejected`);
  });

  it('needs nothing from outside: no external assets, no script, inline CSS only', () => {
    expect(mail.html).not.toMatch(/<(link|img|script|iframe|object)\b/i);
    expect(mail.html).not.toMatch(/\ssrc="/i);
    expect(mail.html).not.toMatch(/url\(/i);
    expect(mail.html).toContain('style="');
  });

  it('puts the request in the subject on one line, cut to a readable length', () => {
    const long = renderRequestEmail({
      pause: pauseWith({
        request: {
          ...pauseWith().request,
          action_description: `Line one\r\nBcc: evil@example.com\n${'x'.repeat(500)}`,
        },
      }),
      decideUrl,
      nowMs: NOW,
    });
    expect(long.subject).not.toMatch(/[\r\n]/);
    expect(long.subject.startsWith('Approval needed: Line one Bcc: evil@example.com x')).toBe(true);
    expect(long.subject.length).toBeLessThanOrEqual(120);
    expect(long.subject.endsWith('…')).toBe(true);
  });

  it('is pure: the same input gives the same output', () => {
    expect(renderRequestEmail({ pause: pauseWith(), decideUrl, nowMs: NOW })).toEqual(mail);
  });
});

describe('policy rule', () => {
  it('names the operator policy rule in both parts of the mail and on the page, escaped', () => {
    const mail = renderRequestEmail({
      pause: pauseWith({ policy_rule: '<b>payments</b>' }),
      decideUrl: 'http://x/decide/t',
      nowMs: 0,
    });
    expect(mail.text).toContain('Policy rule: <b>payments</b>');
    expect(mail.html).toContain('policy rule <strong style="color:#111111;">&lt;b&gt;payments&lt;/b&gt;</strong>');
    expect(renderRequestEmail({ pause: pauseWith(), decideUrl: 'http://x/decide/t', nowMs: 0 }).text).not.toContain(
      'Policy rule',
    );
  });
});

describe('quorum progress, reminders and escalations', () => {
  const vote = (responder: string, decision: 'approved' | 'rejected' = 'approved') => ({
    decision,
    responder,
    channel: 'email' as const,
    responded_at: '2030-01-01T10:01:00.000Z',
    comment: nasty(3),
    fields: {},
    voters: [responder.toLowerCase()],
  });
  const plan = { quorum: 3, remind_after_ms: [1000], escalate: [], on_timeout: 'timed_out' as const };
  const collecting = pauseWith({ plan, votes: [vote(nasty(0)), vote('bob@example.com')] });
  const decideUrl = 'https://lp.example.com/decide/TOKEN_abc';

  it('counts approvals only, names who approved, and says nothing when one approval decides', () => {
    expect(approvalProgress(collecting)).toBe(`2 of 3 approvals so far — ${nasty(0)} ✓, bob@example.com ✓`);
    expect(approvalProgress(pauseWith({ plan: { ...plan, quorum: 2 } }))).toBe('0 of 2 approvals so far');
    expect(approvalProgress(pauseWith({ votes: [vote('a@example.com')] }))).toBeUndefined();
  });

  it('a reminder: "Re:" subject, its own opening, the progress in both parts, agent text escaped', () => {
    const mail = renderRequestEmail({ pause: collecting, decideUrl, nowMs: NOW, kind: 'reminder' });
    expectInert(mail.html);
    expect(mail.subject.startsWith(`Re: Approval needed: ${nasty(0)}`)).toBe(true);
    expect(mail.subject).not.toMatch(/[\r\n]/);
    expect(mail.text.split('\n')[0]).toBe('Reminder: an AI agent is still waiting for your approval before it acts.');
    expect(mail.text).toContain(`Progress: 2 of 3 approvals so far — ${nasty(0)} ✓, bob@example.com ✓`);
    expect(mail.html).toContain(`2 of 3 approvals so far — ${escapeHtml(nasty(0))} ✓, bob@example.com ✓`);
    expect(mail.html).toContain('Reminder: approval still needed');
    expect(mail.html).toContain(`href="${decideUrl}?decision=approved"`);
    // The request itself says nothing of progress with a single approver.
    const single = renderRequestEmail({ pause: pauseWith(), decideUrl, nowMs: NOW });
    expect(single.text).not.toContain('Progress:');
    expect(single.html).not.toContain('approvals so far');
  });

  it('an escalation: the request, saying it was escalated', () => {
    const mail = renderRequestEmail({ pause: collecting, decideUrl, nowMs: NOW, kind: 'escalation' });
    expectInert(mail.html);
    expect(mail.subject.startsWith('Approval needed: ')).toBe(true);
    expect(mail.text.split('\n')[0]).toMatch(/^Escalated to you: /);
    expect(mail.html).toContain('Escalated: approval needed');
  });

  it('the page shows the progress on the form, and a standing page without the form', () => {
    const form = formPage({ pause: collecting, recipient: 'c@example.com', formKey: 'k', nonce: 'n', nowMs: NOW });
    expectInert(form);
    expect(form).toContain(`2 of 3 approvals so far — ${escapeHtml(nasty(0))} ✓`);
    const standing = standingPage({ nonce: 'n', pause: collecting, title: nasty(1), line: nasty(2), nowMs: NOW });
    expectInert(standing);
    expect(standing).toContain(escapeHtml(nasty(2)));
    expect(standing).toContain('2 of 3 approvals so far');
    expect(standing).not.toContain('<form');
    expect(standing).not.toContain('name="decision"');
  });
});

describe('decision page HTML', () => {
  it('escapes the request, the labels and what the human typed back', () => {
    const html = formPage({
      pause: pauseWith(),
      recipient: 'ops@example.com',
      formKey: 'k"ey',
      values: { comment: nasty(0), fields: { po: nasty(1), note: nasty(2) } },
      errors: [`${nasty(1)}: is required to approve`],
      chosen: 'approved',
      nonce: 'n0nce',
      nowMs: NOW,
    });
    expectInert(html);
    expect(html).toContain('<style nonce="n0nce">');
    expect(html).toContain('name="form_key" value="k&quot;ey"');
    expect(html).toContain('value="&quot;&gt;&lt;img src=x onerror=alert(1)&gt; #1"');
    expect(html).toContain('<textarea id="comment" name="comment" maxlength="2000">&lt;script&gt;');
    expect(html).toContain('name="decision" value="approved"');
    expect(html).toContain('name="decision" value="rejected"');
    expect(html).not.toMatch(/\sstyle="/);
  });

  it('says who decided, how and when, escaped', () => {
    const decided = pauseWith({
      status: 'responded',
      response: {
        decision: 'approved',
        comment: nasty(0),
        fields: {},
        responder: nasty(1),
        responded_at: '2030-01-01T10:05:00.000Z',
        channel: 'slack',
        nonce: 'n',
        pause_id: 'pse_aaaaaaaaaaaaaaaaaaaaaaaaaa',
        action_digest: 'd',
        signature: 'sha256=x',
      },
    });
    const ended = endedPage('n', decided, NOW);
    expectInert(ended);
    expect(ended).toContain(`Already approved by ${escapeHtml(nasty(1))} via Slack at 2030-01-01 10:05 UTC.`);
    expectInert(decidedPage('n', decided));
    const cancelled = endedPage(
      'n',
      pauseWith({ status: 'cancelled', cancel_reason: nasty(0), ended_at: '2030-01-01T10:01:00.000Z' }),
      NOW,
    );
    expectInert(cancelled);
    expect(cancelled).toContain('withdrew this request at 2030-01-01 10:01 UTC');
    expect(endedPage('n', pauseWith({ status: 'timed_out' }), NOW)).toContain('timed out at 2030-01-01 13:00 UTC');
    expectInert(messagePage('n', nasty(0), nasty(1)));
  });
});

describe('time formatting', () => {
  it('gives UTC and a coarse relative time', () => {
    expect(formatUtc('2030-01-01T13:00:59.999Z')).toBe('2030-01-01 13:00 UTC');
    expect(formatRelative('2030-01-01T10:30:00Z', NOW)).toBe('in 30 minutes');
    expect(formatRelative('2030-01-02T10:00:00Z', NOW)).toBe('in 1 day');
    expect(formatRelative('2030-01-01T09:00:00Z', NOW)).toBe('1 hour ago');
    expect(formatRelative('2030-01-01T10:00:20Z', NOW)).toBe('in less than a minute');
  });
});
