import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dashboardSurface } from '../../src/dashboard/index.js';
import type { Pause } from '../../src/domain/pause.js';
import { emailSurface } from '../../src/email/index.js';
import type { RunningService } from '../../src/main.js';
import { ActionId } from '../../src/slack/ids.js';
import { slackSurface } from '../../src/slack/index.js';
import { DashboardClient } from '../dashboard/helpers.js';
import { formKeyIn, postDecision } from '../helpers/email.js';
import { eventually } from '../helpers/eventually.js';
import { channelIdFor, FakeSlack } from '../helpers/fake-slack.js';
import { OTHER_API_KEY, startTestService, TEST_API_KEY } from '../helpers/service.js';
import { type SlackUsers, slackUsers } from '../helpers/slack.js';
import { SLACK_SIGNING_SECRET } from '../helpers/slack-requests.js';
import { decideLink, TestSmtp } from '../helpers/smtp.js';

/**
 * Security review 2026-12-02, finding #3: one human is one identity, whatever surface they use and
 * whatever their Slack profile e-mail says. End to end: the policy file, the Slack surface against
 * the fake Slack (users.info and users.lookupByEmail answer from one table, as Slack does), signed
 * clicks, the e-mail decision page and the dashboard. Every test starts its own service, so no
 * lookup cached by another test decides for it.
 */
const POLICY = `
groups:
  finance: [U0SARAH1, U0BOB123]
  controllers: [sarah@acme.com, cy@acme.com]
rules:
  - name: payments
    when: { action: "Transfer *" }
    route: { slack: "#finance" }
    approvers: [group:finance, bob@acme.com]
    owner_cannot_approve: true
  - name: by-id
    when: { action: "Wire *" }
    route: { slack: "#finance" }
    approvers: [group:finance]
    owner_cannot_approve: true
  - name: dual
    when: { action: "Dual *" }
    route: { slack: "#finance" }
    approvers: [group:finance, group:controllers]
    quorum: 2
  - name: release
    when: { action: "Release *" }
    route: { email: sarah@acme.com }
    approvers: [group:controllers]
    owner_cannot_approve: true
`;

const FINANCE = channelIdFor('#finance');
const THIRD_API_KEY = 'third-key-0123456789abcdef';

describe('one human is one identity (review finding #3)', () => {
  let dir: string;
  let fake: FakeSlack;
  let smtp: TestSmtp;
  let running: RunningService;
  let users: SlackUsers;

  beforeAll(async () => {
    dir = mkdtempSync(join(process.env.LOOPPAUSE_TEST_TMP ?? tmpdir(), 'linked-identities-'));
    writeFileSync(join(dir, 'policy.yaml'), POLICY);
    fake = await new FakeSlack().start();
    smtp = await new TestSmtp().start();
    fake.members.set(FINANCE, ['U0SARAH1', 'U0BOB123', 'U0CY0001', 'U0OLGA001']);
  }, 30_000);
  afterAll(async () => {
    await fake?.close();
    await smtp?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    fake.clearFailures();
    fake.emails.clear();
    // Sarah's Slack account shows her home address; the key and the controllers group know her at work.
    fake.emails.set('U0SARAH1', 'sarah.home@example.org');
    fake.emails.set('U0BOB123', 'bob@acme.com');
    fake.emails.set('U0CY0001', 'cy@acme.com');
    fake.emails.set('U0OLGA001', 'olga@acme.com');
    running = await startTestService(
      {
        SLACK_BOT_TOKEN: 'xoxb-test',
        SLACK_SIGNING_SECRET,
        SLACK_API_URL: fake.apiUrl,
        SMTP_URL: smtp.url,
        LOOPPAUSE_POLICY_FILE: join(dir, 'policy.yaml'),
        // agent-a is Sarah's by e-mail, agent-b Sarah's by Slack id, agent-c Olga's.
        LOOPPAUSE_API_KEYS: `agent-a:${TEST_API_KEY}:sarah@acme.com,agent-b:${OTHER_API_KEY}:U0SARAH1,agent-c:${THIRD_API_KEY}:olga@acme.com`,
      },
      {
        slack: { retryConfig: { retries: 0 } },
        surfaces: [slackSurface, emailSurface, dashboardSurface],
      },
    );
    users = slackUsers(fake, running.url);
  }, 30_000);
  afterEach(async () => {
    await running?.close();
  });

  const request = async (agent: string, action: string) =>
    (await running.service.request(agent, { action_description: action, action_details: {} })).pause_id;
  const load = async (id: string): Promise<Pause> => {
    const pause = await running.service.get(id);
    if (!pause) throw new Error('gone');
    return pause;
  };
  const posted = (id: string) =>
    eventually(async () => ((await load(id)).delivery.slack?.state === 'posted' ? true : undefined));
  /** Clicks Approve as `userId`, and returns the private answer the click got. */
  const approveInSlack = async (userId: string, pauseId: string): Promise<string> => {
    await posted(pauseId);
    const from = fake.calls.length;
    const { res } = await users.click(ActionId.approve, pauseId, userId, { channel: FINANCE });
    expect(res.status).toBe(200);
    const [reply] = await fake.waitFor(
      (c) => fake.calls.indexOf(c) >= from && c.method === 'chat.postEphemeral' && c.body.user === userId,
    );
    return String(reply?.body.text);
  };
  /** Clicks Approve as `userId` on a vote that must close the pause. */
  const decideInSlack = async (userId: string, pauseId: string): Promise<Pause> => {
    await posted(pauseId);
    const { res } = await users.click(ActionId.approve, pauseId, userId, { channel: FINANCE });
    expect(res.status).toBe(200);
    return eventually(async () => {
      const pause = await load(pauseId);
      return pause.status === 'responded' ? pause : undefined;
    });
  };
  const onDashboard = async (email: string, pauseId: string) => {
    const client = new DashboardClient(running);
    await client.signIn(email, smtp);
    const csrf = await client.csrf();
    return client.post(`/dashboard/pauses/${pauseId}/decide`, { csrf, decision: 'approved' });
  };
  const byEmailLink = async (pauseId: string) => {
    const [mail] = await smtp.waitFor({ match: (m) => (m.text ?? '').includes(pauseId) });
    const link = decideLink(mail as NonNullable<typeof mail>);
    const page = await fetch(link);
    const html = await page.text();
    if (page.status !== 200) return { status: page.status, html };
    const res = await postDecision(link, { form_key: formKeyIn(html), decision: 'approved' });
    return { status: res.status, html: await res.text() };
  };
  const votes = async (id: string) => (await load(id)).votes ?? [];

  describe('(a) maker-checker: the owner may not approve, whatever surface and profile e-mail', () => {
    it('the owner known by e-mail clicks Approve from a Slack account showing another address: refused, and Bob decides', async () => {
      const id = await request('agent-a', 'Transfer 500 EUR to ACME');
      const reply = await approveInSlack('U0SARAH1', id);
      expect(reply).toContain('cannot tell you apart from the owner');
      expect(reply).toContain("no Slack account has the owner's address");
      expect(reply).toContain('Nothing changed');
      expect(await votes(id)).toEqual([]);
      expect((await load(id)).status).toBe('pending');
      // Bob is linked to the listed bob@acme.com through the account Slack holds it under.
      const done = await decideInSlack('U0BOB123', id);
      expect(done.response).toMatchObject({ decision: 'approved', responder: 'bob@acme.com', channel: 'slack' });
      expect(done.response?.approvals?.map((a) => a.responder)).toEqual(['bob@acme.com']);
    });

    it('once Slack holds the owner address, the owner is refused as the owner, on every surface', async () => {
      fake.emails.set('U0SARAH1', 'sarah@acme.com');
      const id = await request('agent-a', 'Transfer 600 EUR to ACME');
      expect(await approveInSlack('U0SARAH1', id)).toContain('You own the API key that asked for this');
      expect(await votes(id)).toEqual([]);
      // Her profile then changes to her home address: still not counted.
      fake.emails.set('U0SARAH1', 'sarah.home@example.org');
      const later = await request('agent-a', 'Transfer 700 EUR to ACME');
      expect(await approveInSlack('U0SARAH1', later)).toContain('Nothing changed');
      expect(await votes(later)).toEqual([]);
    });

    it('the owner signs in to the dashboard from Slack (/looppause login) and approves there: refused', async () => {
      const id = await request('agent-a', 'Transfer 650 EUR to ACME');
      const { answer } = await users.command('login', 'U0SARAH1');
      const link = /<(https?:[^|>]+)\|/.exec(String(answer.body.text))?.[1];
      expect(link).toBeDefined();
      const client = new DashboardClient(running);
      expect((await client.useLink(link as string)).status).toBe(303);
      const res = await client.post(`/dashboard/pauses/${id}/decide`, {
        csrf: await client.csrf(),
        decision: 'approved',
      });
      expect(res.status).toBe(403);
      expect(await res.text()).toContain(
        'cannot tell you apart from the owner: you are known here by your Slack account',
      );
      expect(await votes(id)).toEqual([]);
    });

    it('a voter listed only by Slack id cannot be told apart from an owner whose address no Slack account holds', async () => {
      const id = await request('agent-a', 'Wire 50 EUR to ACME');
      const reply = await approveInSlack('U0BOB123', id);
      expect(reply).toContain('cannot tell you apart from the owner');
      expect(reply).toContain('by their Slack id');
      expect(await votes(id)).toEqual([]);
    });

    it('the owner given as a Slack id votes by e-mail link or on the dashboard: refused, and told why', async () => {
      const id = await request('agent-b', 'Release the payroll batch');
      const mail = await byEmailLink(id);
      expect(mail.status).toBe(403);
      expect(mail.html).toContain('Vote not counted');
      expect(mail.html).toContain('the owner by a Slack account, and no Slack account has your address');
      const web = await onDashboard('sarah@acme.com', id);
      expect(web.status).toBe(403);
      // The dashboard gives the same reason as the e-mail page.
      expect(await web.text()).toContain('the owner by a Slack account, and no Slack account has your address');
      expect(await votes(id)).toEqual([]);
      // Cy's address is held by another Slack account: counted, and it decides.
      const cy = await onDashboard('cy@acme.com', id);
      expect(cy.status).toBe(303);
      expect((await load(id)).response).toMatchObject({ decision: 'approved', responder: 'cy@acme.com' });
    });

    it('the owner given as a Slack id, linked to the address through Slack: refused as the owner by e-mail', async () => {
      fake.emails.set('U0SARAH1', 'sarah@acme.com');
      const id = await request('agent-b', 'Release the payroll batch');
      const mail = await byEmailLink(id);
      expect(mail.status).toBe(403);
      expect(mail.html).toContain('You own the API key that asked for this');
      expect(await votes(id)).toEqual([]);
    });

    it('users.lookupByEmail failing: refused with the reason, counted once Slack answers', async () => {
      fake.failWith('users.lookupByEmail', 'ratelimited');
      const id = await request('agent-c', 'Transfer 800 EUR to ACME');
      const reply = await approveInSlack('U0BOB123', id);
      expect(reply).toContain("Slack did not answer who has the owner's address (ratelimited)");
      expect(reply).toContain('Try again in a minute');
      expect(await votes(id)).toEqual([]);
      fake.clearFailures();
      const done = await decideInSlack('U0BOB123', id);
      expect(done.response).toMatchObject({ decision: 'approved', responder: 'bob@acme.com' });
    });
  });

  describe('(b) a quorum of 2 counts humans: one person on two surfaces is not two approvals', () => {
    it('users.lookupByEmail refused for want of a scope: refused, naming the scope and the reinstall, no "try again"', async () => {
      fake.failWith('users.lookupByEmail', 'missing_scope', Number.POSITIVE_INFINITY, { needed: 'users:read.email' });
      const id = await request('agent-c', 'Transfer 900 EUR to ACME');
      const reply = await approveInSlack('U0BOB123', id);
      expect(reply).toContain('the Slack app lacks the users:read.email scope (missing_scope)');
      expect(reply).toContain('reinstalling the app to the workspace');
      expect(reply).not.toContain('Try again in a minute');
      expect(await votes(id)).toEqual([]);
      fake.clearFailures();
    });

    it('Slack as U0SARAH1, then the dashboard as sarah@acme.com: refused; Cy decides', async () => {
      const id = await request('agent-c', 'Dual control payment 9000 EUR');
      expect(await approveInSlack('U0SARAH1', id)).toContain('Your approval is counted: 1 of 2');
      const web = await onDashboard('sarah@acme.com', id);
      expect(web.status).toBe(403);
      expect(await web.text()).toContain('cannot tell you apart from someone who already voted in Slack');
      expect(await votes(id)).toHaveLength(1);
      expect((await load(id)).status).toBe('pending');
      const cy = await onDashboard('cy@acme.com', id);
      expect(cy.status).toBe(303);
      const done = await load(id);
      expect(done.status).toBe('responded');
      expect(done.response?.approvals?.map((a) => [a.responder, a.channel])).toEqual([
        ['sarah.home@example.org', 'slack'],
        ['cy@acme.com', 'web'],
      ]);
    });

    it('the other way round: the dashboard first, then Slack is refused, saying why', async () => {
      const id = await request('agent-c', 'Dual control payment 9100 EUR');
      expect((await onDashboard('sarah@acme.com', id)).status).toBe(303);
      const reply = await approveInSlack('U0SARAH1', id);
      expect(reply).toContain('cannot tell you apart from someone who already voted by e-mail or on the dashboard');
      expect(reply).toContain('Nothing changed');
      expect(await votes(id)).toHaveLength(1);
    });

    it('when Slack links the two, the second vote is "already voted"; another person still counts', async () => {
      fake.emails.set('U0SARAH1', 'sarah@acme.com');
      const id = await request('agent-c', 'Dual control payment 9200 EUR');
      expect(await approveInSlack('U0SARAH1', id)).toContain('Your approval is counted: 1 of 2');
      const web = await onDashboard('sarah@acme.com', id);
      expect(web.status).toBe(409);
      expect(await web.text()).toContain('You already voted on this request');
      const done = await decideInSlack('U0BOB123', id);
      expect(done.response?.approvals?.map((a) => a.responder)).toEqual(['sarah@acme.com', 'bob@acme.com']);
    });

    it('two Slack accounts are two people, whatever their profile e-mails', async () => {
      fake.emails.delete('U0BOB123');
      const id = await request('agent-c', 'Dual control payment 9300 EUR');
      expect(await approveInSlack('U0SARAH1', id)).toContain('Your approval is counted: 1 of 2');
      const done = await decideInSlack('U0BOB123', id);
      expect(done.response?.approvals).toHaveLength(2);
    });
  });
});
