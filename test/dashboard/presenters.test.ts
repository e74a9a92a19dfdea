import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { timelineEntries } from '../../src/dashboard/presenters/pause.js';
import {
  explainAnswer,
  presentExplain,
  presentPolicy,
  ruleFromModel,
  ruleSummary,
  rulesFromDocument,
} from '../../src/dashboard/presenters/policy.js';
import { bySoonestDeadline } from '../../src/dashboard/presenters/waiting.js';
import { pausePage } from '../../src/dashboard/views/pause.js';
import { policyPage } from '../../src/dashboard/views/policy.js';
import { LoopPauseError } from '../../src/domain/errors.js';
import { type Policy, parsePolicy } from '../../src/domain/policy/index.js';
import { pauseAt } from '../helpers/pauses.js';

/** The README's example policy, exactly as the README shows it. */
const README_POLICY = (() => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Operator policy'));
  const block = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('no yaml block under the README’s Operator policy');
  return block;
})();

const loaded = (text: string): Policy => {
  const parsed = parsePolicy(text);
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  return parsed.policy;
};

/** The README example's two rules, summed up; its condition as the README writes it (the text may change). */
const readmeIf = (rulesFromDocument(parse(README_POLICY)) ?? []).find((r) => r.name === 'small-refunds')?.when.if;
const SMALL_REFUNDS = `small-refunds: Refund * by support-bot if ${readmeIf} → approved at once`;
const PAYMENTS =
  'payments: Transfer * → #finance-approvals, cfo@acme.com · 2 of finance · owner may not approve · asks PO number (required) · 4 h, then rejected · reminders 30m, 2h · after 1h also #cfo-office, U0CFO45678';

const summaryOf = (summaries: string[] | undefined, rule: string) =>
  summaries?.find((line) => line.startsWith(`${rule}: `));

describe('the Policy page’s words', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lp-policy-words-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('sums up each rule of the README’s example in the policy’s own words', () => {
    const summaries = rulesFromDocument(parse(README_POLICY))?.map(ruleSummary);
    expect(readmeIf).toContain('double(details.amount) <= 50.0');
    expect(summaryOf(summaries, 'small-refunds')).toBe(SMALL_REFUNDS);
    expect(summaryOf(summaries, 'payments')).toBe(PAYMENTS);
  });

  it('from the loaded policy alone (the file changed since): the same, with groups expanded', () => {
    const summaries = loaded(README_POLICY).rules.map((r) => ruleSummary(ruleFromModel(r)));
    expect(summaryOf(summaries, 'small-refunds')).toBe(SMALL_REFUNDS);
    expect(summaryOf(summaries, 'payments')).toBe(
      PAYMENTS.replace('2 of finance', '2 of sarah@acme.com, cfo@acme.com'),
    );
  });

  it('a catch-all, a quorum without approvers, seconds, the agent’s timeout and routing', () => {
    const rules = rulesFromDocument(
      parse(`
rules:
  - name: open
    approvers: [ann@acme.com, group:ops]
    remind_after: [90, 600s]
  - name: many
    quorum: 2
    timeout_hours: 0.5
    on_timeout: approved
    route: { email: a@acme.com }
`),
    );
    expect(rules?.map(ruleSummary)).toEqual([
      'open: any request → where the agent asks · 1 of ann@acme.com, ops · the agent’s timeout, then times out · reminders 90s, 600s',
      'many: any request → a@acme.com · 2 of those it reaches · 0.5 h, then approved',
    ]);
  });

  it('tool-call rules: the tool glob, remember and tool_calls_default, as written and as loaded', async () => {
    const text = `tool_calls_default: deny
rules:
  - name: pushes
    when: { tool: Bash, if: 'input.command.startsWith("git push")' }
    route: { slack: "#deploys" }
    timeout_hours: 1
    remember: 90m
  - name: reads
    when: { tool: "mcp__github__get_*" }
    decide: approved
`;
    const expected = [
      'pushes: tool Bash if input.command.startsWith("git push") → #deploys · anyone it reaches · 1 h, then times out · approve for this session: 90m',
      'reads: tool mcp__github__get_* → approved at once',
    ];
    expect(rulesFromDocument(parse(text))?.map(ruleSummary)).toEqual(expected);
    expect(loaded(text).rules.map((r) => ruleSummary(ruleFromModel(r)))).toEqual(expected);
    const file = join(dir, 'tools.yaml');
    writeFileSync(file, text);
    const view = await presentPolicy({ current: () => loaded(text) }, file);
    expect(view).toMatchObject({ toolCallsDefault: 'deny', toolCallsDefaultText: expect.stringContaining('refused') });
    expect(view?.rules[0]).toMatchObject({ when: { tool: 'Bash' }, route: { remember: '90m' } });
    const page = policyPage({ nonce: 'n' }, { csrf: 't', ...(view ? { policy: view } : {}) });
    expect(page).toContain('<dt>Tool calls by default</dt><dd><strong>deny</strong>');
    expect(page).toContain('<span class="k">tool</span> <code>mcp__github__get_*</code>');
    expect(page).toContain('<span class="k">approve for this session</span> 90m');
    expect(explainAnswer({ verdict: 'default', tool: 'Bash', decision: 'ask', answer: 'ask' }, view)).toMatchObject({
      tone: 'ok',
      headline: 'No tool-call rule matches: the tool-call default, ask.',
    });
  });

  it('delegation: the top-level mode and a rule’s own, on the page, in the summary and in explain’s words', async () => {
    const text = `delegation: deny
groups:
  ops: [a@acme.com, b@acme.com]
rules:
  - name: deploys
    when: { action: "deploy *" }
    route: { email: ops@acme.com }
    approvers: [group:ops]
    delegation: any
  - name: rest
    when: { action: "*" }
    route: { email: ops@acme.com }
`;
    const expected = [
      'deploys: deploy * → ops@acme.com · 1 of ops · the agent’s timeout, then times out · delegation any',
      'rest: * → ops@acme.com · anyone it reaches · the agent’s timeout, then times out',
    ];
    expect(rulesFromDocument(parse(text))?.map(ruleSummary)).toEqual(expected);
    expect(
      loaded(text)
        .rules.map((r) => ruleSummary(ruleFromModel(r)))
        .map((line) => line.replace('a@acme.com, b@acme.com', 'ops')),
    ).toEqual(expected);
    const file = join(dir, 'delegation.yaml');
    writeFileSync(file, text);
    const view = await presentPolicy({ current: () => loaded(text) }, file);
    expect(view).toMatchObject({
      delegation: 'deny',
      delegationText: expect.stringContaining('may not name a delegate'),
    });
    expect(view?.rules.map((r) => r.route?.delegation)).toEqual(['any', undefined]);
    const page = policyPage({ nonce: 'n' }, { csrf: 't', ...(view ? { policy: view } : {}) });
    expect(page).toContain('<dt>Delegation</dt><dd><strong>deny</strong>');
    expect(page).toContain('<span class="k">delegation</span> any');
    // The loaded model's answer: the rule's own mode, else the policy's.
    expect(explainAnswer({ kind: 'route', rule: 'deploys' }, view).lines).toContain(
      'delegation any: an away approver may name anyone as delegate.',
    );
    expect(explainAnswer({ kind: 'route', rule: 'rest' }, view).lines).toContain(
      'delegation deny: an away approver may not name a delegate.',
    );
    // The service's explanation names the mode itself.
    const routed = explainAnswer(
      {
        verdict: 'route',
        rule: 'rest',
        route: { email: 'ops@acme.com' },
        approvers: [],
        quorum: 1,
        owner_cannot_approve: false,
        response_fields: [],
        remind_after: [],
        escalate: [],
        on_timeout: 'timed_out',
        delegation: 'within_group',
      },
      view,
    );
    expect(routed.lines).toContain(
      'delegation within_group: an away approver’s delegate must be among the rule’s approvers.',
    );
  });

  it('shows the YAML and the rules as written while the file is the policy in force; the loaded rules once it is not', async () => {
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, README_POLICY);
    const policy = loaded(README_POLICY);
    const source = { current: () => policy };
    const view = await presentPolicy(source, file);
    expect(view?.source).toBe(README_POLICY);
    expect(
      summaryOf(
        view?.rules.map((r) => r.summary),
        'payments',
      ),
    ).toBe(PAYMENTS);
    const payments = view?.rules.find((r) => r.name === 'payments')?.route;
    expect(payments?.approvers).toEqual([
      { text: 'finance', group: 'finance', members: ['sarah@acme.com', 'cfo@acme.com'] },
    ]);
    expect(payments).toMatchObject({ quorum: 2, ownerCannotApprove: true, timeout: '4 h, then rejected' });
    expect(payments?.escalations).toEqual([{ after: '1h', to: ['#cfo-office', 'U0CFO45678'] }]);

    // Edited on disk (refused, or not reloaded yet): the page says so and shows what is in force.
    writeFileSync(file, `${README_POLICY}\n# edited\n`);
    const after = await presentPolicy(source, file);
    expect(after?.source).toBeUndefined();
    expect(after?.sourceNote).toMatch(/not the version in force/);
    expect(
      summaryOf(
        after?.rules.map((r) => r.summary),
        'payments',
      ),
    ).toContain('2 of sarah@acme.com, cfo@acme.com');
    expect(await presentPolicy(undefined, file)).toBeUndefined();
  });

  it('escapes what the operator wrote: conditions and the YAML are text', async () => {
    const text = `rules:\n  - name: x\n    when: { if: 'action == "<script>alert(1)</script>"' }\n    decide: rejected\n`;
    const file = join(dir, 'nasty.yaml');
    writeFileSync(file, text);
    const policy = await presentPolicy({ current: () => loaded(text) }, file);
    const page = policyPage({ nonce: 'n' }, { csrf: 't', ...(policy ? { policy } : {}) });
    expect(page).not.toContain('<script>alert(1)');
    expect(page.match(/&lt;script&gt;alert\(1\)&lt;\/script&gt;/g)).toHaveLength(2);
  });
});

describe('explain’s answer in words', () => {
  const policy = loaded(README_POLICY);
  const view = { agentRouting: policy.agentRouting, rules: [] as never[] };
  const rules = async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lp-explain-words-'));
    try {
      writeFileSync(join(dir, 'policy.yaml'), README_POLICY);
      return (await presentPolicy({ current: () => policy }, join(dir, 'policy.yaml')))?.rules ?? [];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it('the loaded model’s answer (kind): decided at once, routed as the rule says, no rule', async () => {
    const withRules = { ...view, rules: await rules() };
    expect(explainAnswer({ kind: 'decide', rule: 'small-refunds', decision: 'approved' }, withRules)).toMatchObject({
      tone: 'ok',
      headline: 'Rule small-refunds: decided approved at once.',
    });
    const routed = explainAnswer({ kind: 'route', rule: 'payments' }, withRules);
    expect(routed.headline).toBe('Rule payments: routed to #finance-approvals and cfo@acme.com.');
    expect(routed.lines).toEqual([
      '2 of finance (sarah@acme.com, cfo@acme.com) must approve; one rejection ends it.',
      'The key’s owner may not approve; a key with no owner is refused under this rule.',
      'Asks for PO number (required).',
      'Deadline: 4 h, then rejected.',
      'Reminds those who have not voted after 30m, 2h.',
      'After 1h, also to #cfo-office, U0CFO45678.',
      'agent_routing restrict: agents may only narrow what a rule gives.',
    ]);
    expect(explainAnswer({ kind: 'no_match' }, withRules)).toMatchObject({
      tone: 'refused',
      headline: 'Refused: no rule matches this request.',
    });
  });

  it('the service’s explanation (verdict, snake_case): the owner, its note, refusals with their reason', () => {
    const routed = explainAnswer(
      {
        verdict: 'route',
        rule: 'payments',
        agent_routing: 'restrict',
        route: { email: 'cfo@acme.com' },
        approvers: ['sarah@acme.com', 'cfo@acme.com'],
        quorum: 2,
        owner_cannot_approve: true,
        excluded_owner: 'sam@acme.com',
        response_fields: [],
        timeout_hours: 4,
        remind_after: ['30m'],
        escalate: [],
        on_timeout: 'rejected',
      },
      view,
    );
    expect(routed.headline).toBe('Rule payments: routed to cfo@acme.com.');
    expect(routed.lines).toContain('sam@acme.com, the key’s owner, may not approve.');
    expect(routed.lines).toContain('Deadline: 4 h, then rejected.');
    expect(
      explainAnswer({ verdict: 'refused', rule: 'payments', field: 'policy', reason: 'the key has no owner' }, view),
    ).toEqual({
      tone: 'refused',
      headline: 'Refused under rule payments.',
      lines: [
        'policy: the key has no owner',
        'The agent would be told only that the policy does not allow it (field policy).',
      ],
    });
    expect(explainAnswer({ verdict: 'refused', field: 'policy', reason: 'no rule matches' }, view).headline).toBe(
      'Refused: no rule matches this request.',
    );
    expect(explainAnswer({ verdict: 'decide', rule: 'r', decision: 'rejected' }, view).tone).toBe('refused');
  });

  it('the service’s routed answer names the rule’s groups while its approvers are the rule’s, the people once narrowed', async () => {
    const withRules = { ...view, rules: await rules() };
    const routed = (approvers: string[], quorum: number) =>
      explainAnswer(
        {
          verdict: 'route',
          rule: 'payments',
          route: { email: 'cfo@acme.com' },
          approvers,
          quorum,
          owner_cannot_approve: false,
          response_fields: [],
          timeout_hours: 4,
          remind_after: [],
          escalate: [],
          on_timeout: 'rejected',
        },
        withRules,
      ).lines[0];
    expect(routed(['CFO@acme.com', 'sarah@acme.com'], 2)).toBe(
      '2 of finance (sarah@acme.com, cfo@acme.com) must approve; one rejection ends it.',
    );
    expect(routed(['cfo@acme.com'], 1)).toBe('1 of cfo@acme.com must approve.');
  });

  it('details that are not JSON, or an argument explain refuses, are form errors; what the policy cannot judge is an answer', async () => {
    const body = { agent: 'a', action: 'b', details: '{' };
    expect((await presentExplain(() => ({}), body, view)).error).toMatch(/^Details:/);
    const refuses = (e: Error) => () => {
      throw e;
    };
    const bad = await presentExplain(
      refuses(new LoopPauseError('invalid_argument', 'agent: is required', 'agent')),
      { ...body, details: '{}' },
      view,
    );
    expect(bad.error).toBe('agent: is required');
    const cel = await presentExplain(
      refuses(new LoopPauseError('invalid_argument', 'policy: rules[0] (x).if: no such key', 'policy')),
      { ...body, details: '{}' },
      view,
    );
    expect(cel.answer?.headline).toBe('Refused: the policy cannot judge this request.');
    expect(cel.answer?.lines[0]).toBe('policy: rules[0] (x).if: no such key');
    // Nothing came back from explain: no raw answer is made up.
    expect(cel.raw).toBeUndefined();
  });
});

describe('the audit timeline in words', () => {
  const at = (time: string) => `2026-12-02T${time}.000Z`;

  it('when, what and who (a voter’s answers by their labels), the day where it changes, the entry kept for the raw toggle', () => {
    const bodies = [
      {
        at: at('12:01:03'),
        type: 'pause.created',
        actor: 'key:ci-bot',
        data: { recipient_email: 'ops@acme.com', recipient_slack: '#ops', policy_rule: 'deploys', quorum: 2 },
      },
      { at: at('12:01:04'), type: 'pause.delivered', actor: 'system', data: { surface: 'email' } },
      {
        at: at('12:01:05'),
        type: 'pause.delivery_failed',
        actor: 'system',
        data: { surface: 'slack', error: 'channel_not_found' },
      },
      { at: at('12:31:03'), type: 'pause.reminded', actor: 'system', data: { surface: 'slack', step: 0 } },
      { at: at('13:01:03'), type: 'pause.escalated', actor: 'system', data: { surface: 'email', step: 0 } },
      {
        at: at('13:03:10'),
        type: 'pause.voted',
        actor: 'ops@acme.com',
        data: { decision: 'approved', channel: 'email', comment: 'ok', fields: { po_number: 'PO-1', extra: 'x' } },
      },
      {
        at: '2026-12-03T09:00:00.000Z',
        type: 'pause.voted',
        actor: 'U0CY',
        data: { decision: 'approved', channel: 'slack' },
      },
      {
        at: '2026-12-03T09:00:00.000Z',
        type: 'pause.decided',
        actor: 'U0CY',
        data: { decision: 'approved', approvals: 2 },
      },
    ];
    const entries = timelineEntries(bodies, { po_number: 'PO number' });
    expect(
      entries.map((e) => `${e.day ? `${e.day} ` : ''}${e.time} · ${e.what}${e.detail ? ` — ${e.detail}` : ''}`),
    ).toEqual([
      '2026-12-02 12:01:03 · created by key:ci-bot — to ops@acme.com and #ops · 2 approvals needed · rule deploys',
      '12:01:04 · e-mailed',
      '12:01:05 · posting to Slack failed — channel_not_found',
      '12:31:03 · reminder 1 sent in Slack',
      '13:01:03 · escalated (step 1) by e-mail',
      '13:03:10 · approved by ops@acme.com via e-mail — PO number: PO-1 · extra: x · “ok”',
      '2026-12-03 09:00:00 · approved by U0CY via Slack',
      '09:00:00 · decision signed: approved — 2 approvals',
    ]);
    expect(entries[0]?.raw).toBe(bodies[0]);
    expect(entries[0]?.at).toBe(at('12:01:03'));
  });

  it('the endings: a policy decision, a timeout, a cancel with its reason; an unknown type as it is', () => {
    const entries = timelineEntries([
      { at: at('10:00:00'), type: 'pause.policy_decided', actor: 'policy:payments', data: { decision: 'rejected' } },
      { at: at('10:00:01'), type: 'pause.timed_out', actor: 'system', data: {} },
      { at: at('10:00:02'), type: 'pause.cancelled', actor: 'key:ci-bot', data: { reason: 'not needed' } },
      { at: at('10:00:03'), type: 'pause.future_thing', actor: 'someone', data: {} },
    ]);
    expect(entries.map((e) => `${e.what}${e.detail ? ` — ${e.detail}` : ''}`)).toEqual([
      'rejected by policy rule payments',
      'timed out: nobody decided in time',
      'cancelled by key:ci-bot — reason: not needed',
      'pause.future_thing by someone',
    ]);
  });

  it('agent text in the timeline is escaped on the page', () => {
    const pause = pauseAt(Date.now());
    const timeline = timelineEntries([
      {
        at: at('10:00:00'),
        type: 'pause.voted',
        actor: '<b>x</b>',
        data: { decision: 'approved', channel: 'web', comment: '<img src=x onerror=alert(1)>' },
      },
    ]);
    const page = pausePage({ nonce: 'n' }, { pause, timeline, nowMs: Date.now() });
    expect(page).not.toContain('<img src=x');
    expect(page).not.toContain('<b>x</b>');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });
});

describe('Waiting’s order', () => {
  it('soonest deadline first, what names the viewer before what any admin may decide', () => {
    const now = Date.now();
    const p = (hours: number) => pauseAt(now, {}, hours * 3_600_000);
    const [a, b, c, d] = [p(24), p(4), p(1), p(2)];
    const items = [
      { pause: a, open: false },
      { pause: b, open: false },
      { pause: c, open: true },
      { pause: d, open: true },
    ];
    expect(bySoonestDeadline(items).map((i) => i.pause)).toEqual([b, a, c, d]);
  });
});
