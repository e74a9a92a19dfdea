import type { Config } from '../config.js';
import { ANY_ADMIN, currentApprovers, hasVoted, mayDecide, standIn, voterKeys } from '../domain/approvals/index.js';
import type { Delegation } from '../domain/delegation.js';
import type { Pause } from '../domain/pause.js';
import { humanKey } from '../domain/policy/humans.js';
import type { PolicySource } from '../use-cases/policy-gate.js';

/** Who is looking at the dashboard: their e-mail, their Slack id when they signed in from Slack, and whether they are an admin. */
export interface Viewer {
  email: string;
  slack?: string;
  admin: boolean;
  /** Every identity, for the approval rules (e-mail, Slack id). */
  identities: string[];
  /** The delegations in force that name this viewer as delegate: they may decide for those away. */
  standsFor?: Delegation[];
}

/**
 * Who may use the dashboard, asked afresh on every request (a human dropped from the policy loses
 * access at their next click). With a policy file: its `admins` and every member of its `groups`;
 * without one: LOOPPAUSE_DASHBOARD_USERS and LOOPPAUSE_DASHBOARD_ADMINS. Admins: the policy's
 * `admins`, or LOOPPAUSE_DASHBOARD_ADMINS without a policy.
 */
export class DashboardAccess {
  constructor(
    private readonly config: Pick<Config, 'dashboard'>,
    private readonly policy?: PolicySource,
  ) {}

  /** The viewer these identities make, or undefined when they may not sign in. */
  viewer(email: string, slack?: string): Viewer | undefined {
    const identities = slack ? [email, slack] : [email];
    const keys = new Set(voterKeys(identities));
    const has = (list: readonly string[]) => list.some((entry) => keys.has(humanKey(entry)));
    const policy = this.policy?.current();
    const admins = policy ? policy.admins : this.config.dashboard.admins;
    const users = policy ? Object.values(policy.groups).flat() : this.config.dashboard.users;
    const admin = has(admins);
    if (!admin && !has(users)) return undefined;
    return { email: email.toLowerCase(), ...(slack ? { slack } : {}), admin, identities };
  }
}

/**
 * Who may decide a pending pause on the web: with an approvers list, exactly who may decide it in
 * Slack or by e-mail (`mayDecide`, escalation steps included; maker-checker and "already voted" are
 * the use case's answers). Without one, anyone the request reaches may decide it elsewhere, which
 * the web cannot see: here only its `recipient_email` (or the Slack user it was DM'd to, when they
 * signed in from Slack), or an admin.
 */
export function mayDecideOnWeb(pause: Pause, viewer: Viewer, nowMs: number): boolean {
  if (currentApprovers(pause, nowMs)) {
    if (mayDecide(pause, viewer.identities, nowMs)) return true;
    const stand = viewer.standsFor ? standIn(pause, viewer.identities, viewer.standsFor, nowMs) : undefined;
    return stand !== undefined && 'for' in stand;
  }
  if (viewer.admin) return true;
  const keys = voterKeys(viewer.identities);
  const { recipient_email, recipient_slack } = pause.request;
  return [recipient_email, recipient_slack].some((r) => r !== undefined && keys.includes(humanKey(r)));
}

/**
 * The decider keys (decidersOf) a pause that this viewer may decide waits on: their identities,
 * those of the away approvers they stand in for, and any admin's when they are one. Every pause mayDecideOnWeb lets them decide waits on one.
 */
export function decidersFor(viewer: Viewer): string[] {
  const away = (viewer.standsFor ?? []).map((d) => humanKey(d.absent));
  return [...new Set([...voterKeys(viewer.identities), ...away, ...(viewer.admin ? [ANY_ADMIN] : [])])];
}

/**
 * Whether a non-admin sees this pause in History and on its page: they could decide it, they voted
 * on it, or they stand in for an approver of it.
 */
export function maySee(pause: Pause, viewer: Viewer, nowMs: number): boolean {
  if (viewer.admin) return true;
  const keys = voterKeys(viewer.identities);
  if (hasVoted(pause.votes ?? [], keys)) return true;
  if (pause.response && keys.includes(humanKey(pause.response.responder))) return true;
  const ended = pause.ended_at ? Math.min(Date.parse(pause.ended_at), nowMs) : nowMs;
  const at = Number.isNaN(ended) ? nowMs : ended;
  // Only delegations that had begun while the pause was open: a delegate does not see what the
  // away person decided before they went away (nor what ended in the very millisecond it began).
  const begun = (d: Delegation) => (pause.ended_at ? Date.parse(d.from) < at : Date.parse(d.from) <= at);
  const standsFor = viewer.standsFor?.filter(begun);
  const during: Viewer = { ...viewer, ...(standsFor ? { standsFor } : {}) };
  if (mayDecideOnWeb(pause, during, at)) return true;
  // A delegate of an approver of it, whether or not that approver has voted since: one who lost
  // the race to the person they stand in for sees the decision, as any other approver does.
  return standsFor !== undefined && standIn(pause, viewer.identities, standsFor, at) !== undefined;
}
