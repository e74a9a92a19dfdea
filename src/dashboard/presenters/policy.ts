import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { LoopPauseError } from '../../domain/errors.js';
import { sha256Hex } from '../../domain/hash.js';
import { humanKey } from '../../domain/policy/humans.js';
import {
  type AgentRoutingMode,
  type DelegationMode,
  formatDuration,
  type OnTimeout,
  type Policy,
  type PolicyDecision,
  type PolicyRule,
  type Route,
  type ToolCallDefault,
} from '../../domain/policy/index.js';
import { GROUP_PREFIX } from '../../domain/policy/schema.js';
import { DEFAULT_TIMEOUT_HOURS, type ResponseField } from '../../domain/schemas.js';
import type { PolicySource } from '../../use-cases/policy-gate.js';
import type { ExplainAnswer, PolicyView, RuleRow, WhoPart } from '../views/policy.js';

/**
 * The policy page: the rules in force as the operator wrote them (group names, durations in the
 * file's own words, the YAML behind a toggle), and explain's answer in words.
 */

/** A rule as the file says it: what the page and its one-line summary are made of. */
export interface WrittenRule {
  name: string;
  when: { tool?: string; agents?: string[]; action?: string; if?: string };
  decide?: PolicyDecision;
  route?: Route;
  /** As written: people, and groups as `group:NAME`. */
  approvers: string[];
  quorum: number;
  ownerCannotApprove: boolean;
  responseFields: ResponseField[];
  timeoutHours?: number;
  /** In the file's own words: `30m`, `2h`, `90` (seconds). */
  remindAfter: string[];
  escalate: { after: string; route?: Route; approvers: string[] }[];
  onTimeout: OnTimeout;
  /** Tool-call rules: "Approve for this session", in the file's own words (`1h`). */
  remember?: string;
  /** The rule's own `delegation`; absent: the policy's top-level one applies. */
  delegation?: DelegationMode;
}

/** The policy in force, for its page; undefined when none is. `file` is LOOPPAUSE_POLICY_FILE, read for its YAML. */
export async function presentPolicy(
  policy: PolicySource | undefined,
  file: string | undefined,
): Promise<PolicyView | undefined> {
  const p = policy?.current();
  if (!p) return undefined;
  const source = file === undefined ? undefined : await sourceInForce(file, p.digest);
  const written = source?.rules ?? p.rules.map(ruleFromModel);
  return {
    digest: p.digest,
    agentRouting: p.agentRouting,
    agentRoutingText: AGENT_ROUTING_TEXT[p.agentRouting],
    toolCallsDefault: p.toolCallsDefault,
    toolCallsDefaultText: TOOL_CALLS_DEFAULT_TEXT[p.toolCallsDefault],
    delegation: p.delegation,
    delegationText: DELEGATION_TEXT[p.delegation],
    admins: p.admins,
    groups: Object.entries(p.groups).map(([name, members]) => ({ name, members })),
    rules: written.map((rule, i) => ruleRow(rule, i, p)),
    ...(source
      ? { source: source.text }
      : {
          sourceNote:
            file === undefined
              ? 'The policy file’s text is not available here.'
              : 'The file on disk is not the version in force (a change that was refused, or one not reloaded yet; the log says which). The rules below are those in force, with groups expanded.',
        }),
  };
}

const AGENT_ROUTING_TEXT: Record<AgentRoutingMode, string> = {
  allow: 'agents name recipients and approvers where a rule gives none',
  restrict: 'agents may only narrow what a rule gives',
  deny: 'agents may not name recipients or approvers',
};

const TOOL_CALLS_DEFAULT_TEXT: Record<ToolCallDefault, string> = {
  allow: 'a tool call no rule matches runs without asking',
  ask: 'a tool call no rule matches is left to the agent’s own prompt',
  deny: 'a tool call no rule matches is refused',
};

const DELEGATION_TEXT: Record<DelegationMode, string> = {
  deny: 'an away approver may not name a delegate',
  within_group: 'an away approver’s delegate must be among the rule’s approvers',
  any: 'an away approver may name anyone as delegate',
};

const isDelegationMode = (value: unknown): value is DelegationMode =>
  typeof value === 'string' && Object.hasOwn(DELEGATION_TEXT, value);

/** The file's text, when it is still exactly the policy in force (same digest), and its rules as written. */
async function sourceInForce(
  file: string,
  digest: string,
): Promise<{ text: string; rules: WrittenRule[] } | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  if (sha256Hex(text) !== digest) return undefined;
  try {
    const rules = rulesFromDocument(parse(text, { maxAliasCount: 100 }));
    return rules ? { text, rules } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The rules of a parsed policy document, read as written. The text is the one the loader accepted
 * (its digest is the policy's), so every value has the shape the schema allows; anything else
 * gives undefined and the page falls back to the loaded rules.
 */
export function rulesFromDocument(doc: unknown): WrittenRule[] | undefined {
  const rules = isRecord(doc) && Array.isArray(doc.rules) ? doc.rules : undefined;
  if (!rules) return undefined;
  const out: WrittenRule[] = [];
  for (const r of rules) {
    if (!isRecord(r) || typeof r.name !== 'string') return undefined;
    const when = isRecord(r.when) ? r.when : {};
    const rule: WrittenRule = {
      name: r.name,
      when: {
        ...(typeof when.tool === 'string' ? { tool: when.tool } : {}),
        ...(strings(when.agents) ? { agents: strings(when.agents) } : {}),
        ...(typeof when.action === 'string' ? { action: when.action } : {}),
        ...(typeof when.if === 'string' ? { if: when.if } : {}),
      },
      approvers: strings(r.approvers) ?? [],
      quorum: typeof r.quorum === 'number' ? r.quorum : 1,
      ownerCannotApprove: r.owner_cannot_approve === true,
      responseFields: Array.isArray(r.response_fields) ? r.response_fields.filter(isField) : [],
      remindAfter: Array.isArray(r.remind_after) ? r.remind_after.map(durationWords) : [],
      escalate: Array.isArray(r.escalate)
        ? r.escalate.filter(isRecord).map((step) => ({
            after: durationWords(step.after),
            ...(routeOf(step.route) ? { route: routeOf(step.route) } : {}),
            approvers: strings(step.approvers) ?? [],
          }))
        : [],
      onTimeout: r.on_timeout === 'rejected' || r.on_timeout === 'approved' ? r.on_timeout : 'timed_out',
    };
    if (r.decide === 'approved' || r.decide === 'rejected') rule.decide = r.decide;
    const route = routeOf(r.route);
    if (route) rule.route = route;
    if (typeof r.timeout_hours === 'number') rule.timeoutHours = r.timeout_hours;
    if (r.remember !== undefined && rule.decide === undefined) rule.remember = durationWords(r.remember);
    if (isDelegationMode(r.delegation) && rule.decide === undefined) rule.delegation = r.delegation;
    out.push(rule);
  }
  return out;
}

/** A loaded rule, when the file's text is not at hand: groups come expanded, durations as `formatDuration` writes them. */
export function ruleFromModel(rule: PolicyRule): WrittenRule {
  const base = { name: rule.name, when: rule.when };
  const e = rule.effect;
  if (e.kind === 'decide') {
    return {
      ...base,
      decide: e.decision,
      approvers: [],
      quorum: 1,
      ownerCannotApprove: false,
      responseFields: [],
      remindAfter: [],
      escalate: [],
      onTimeout: 'timed_out',
    };
  }
  return {
    ...base,
    ...(e.route ? { route: e.route } : {}),
    approvers: e.approvers,
    quorum: e.quorum,
    ownerCannotApprove: e.ownerCannotApprove,
    responseFields: e.responseFields,
    ...(e.timeoutHours !== undefined ? { timeoutHours: e.timeoutHours } : {}),
    remindAfter: e.remindAfterMs.map(formatDuration),
    escalate: e.escalate.map((step) => ({
      after: formatDuration(step.afterMs),
      ...(step.route ? { route: step.route } : {}),
      approvers: step.approvers,
    })),
    onTimeout: e.onTimeout,
    ...(e.rememberMs !== undefined ? { remember: formatDuration(e.rememberMs) } : {}),
    ...(e.delegation !== undefined ? { delegation: e.delegation } : {}),
  };
}

function ruleRow(rule: WrittenRule, index: number, policy: Pick<Policy, 'groups'>): RuleRow {
  const who = (entries: string[]): WhoPart[] =>
    entries.map((entry) => {
      if (!entry.startsWith(GROUP_PREFIX)) return { text: entry };
      const group = entry.slice(GROUP_PREFIX.length);
      return { text: group, group, members: policy.groups[group] ?? [] };
    });
  const row: RuleRow = { position: index + 1, name: rule.name, when: rule.when, summary: ruleSummary(rule) };
  if (rule.decide) return { ...row, decide: rule.decide };
  return {
    ...row,
    route: {
      to: rule.route ? routeWords(rule.route) : [],
      quorum: rule.quorum,
      approvers: who(rule.approvers),
      ownerCannotApprove: rule.ownerCannotApprove,
      fields: rule.responseFields.map(fieldWords),
      timeout: timeoutWords(rule),
      reminders: rule.remindAfter,
      escalations: rule.escalate.map((step) => ({
        after: step.after,
        to: [...(step.route ? routeWords(step.route) : []), ...who(step.approvers).map((w) => w.text)],
      })),
      ...(rule.remember !== undefined ? { remember: rule.remember } : {}),
      ...(rule.delegation !== undefined ? { delegation: rule.delegation } : {}),
    },
  };
}

/**
 * One line per rule, in the policy's own words, e.g.
 * `payments: Transfer * → #finance-approvals, cfo@acme.com · 2 of finance · owner may not approve · 4 h, then rejected`.
 */
export function ruleSummary(rule: WrittenRule): string {
  const when = [
    rule.when.tool !== undefined ? `tool ${rule.when.tool}` : undefined,
    rule.when.action,
    rule.when.agents ? `by ${rule.when.agents.join(', ')}` : undefined,
    rule.when.if !== undefined ? `if ${rule.when.if}` : undefined,
  ].filter((part) => part !== undefined);
  const head = `${rule.name}: ${when.length > 0 ? when.join(' ') : 'any request'} → `;
  if (rule.decide) return `${head}${rule.decide} at once`;
  const plain = (entries: string[]) =>
    entries.map((e) => (e.startsWith(GROUP_PREFIX) ? e.slice(GROUP_PREFIX.length) : e)).join(', ');
  const parts = [
    rule.route ? routeWords(rule.route).join(', ') : 'where the agent asks',
    approversWords(rule.quorum, plain(rule.approvers)),
    rule.ownerCannotApprove ? 'owner may not approve' : undefined,
    rule.responseFields.length > 0 ? `asks ${rule.responseFields.map(fieldWords).join(', ')}` : undefined,
    timeoutWords(rule),
    rule.remindAfter.length > 0 ? `reminders ${rule.remindAfter.join(', ')}` : undefined,
    rule.remember !== undefined ? `approve for this session: ${rule.remember}` : undefined,
    rule.delegation !== undefined ? `delegation ${rule.delegation}` : undefined,
    ...rule.escalate.map(
      (step) =>
        `after ${step.after} also ${[...(step.route ? routeWords(step.route) : []), plain(step.approvers)].filter((s) => s !== '').join(', ')}`,
    ),
  ];
  return head + parts.filter((part) => part !== undefined).join(' · ');
}

function approversWords(quorum: number, approvers: string): string {
  if (approvers !== '') return `${quorum} of ${approvers}`;
  return quorum === 1 ? 'anyone it reaches' : `${quorum} of those it reaches`;
}

function routeWords(route: Route): string[] {
  return [route.slack, route.email].filter((to): to is string => to !== undefined);
}

function fieldWords(field: ResponseField): string {
  return field.required ? `${field.label} (required)` : field.label;
}

const ON_TIMEOUT_WORDS: Record<OnTimeout, string> = {
  timed_out: 'times out',
  rejected: 'rejected',
  approved: 'approved',
};

function timeoutWords(rule: Pick<WrittenRule, 'timeoutHours' | 'onTimeout'>): string {
  const after = rule.timeoutHours === undefined ? 'the agent’s timeout' : `${rule.timeoutHours} h`;
  return `${after}, then ${ON_TIMEOUT_WORDS[rule.onTimeout]}`;
}

/** A duration as the file wrote it: `30m`, `2h`; a bare number is seconds. */
function durationWords(value: unknown): string {
  if (typeof value === 'number') return `${value}s`;
  const text = String(value).trim();
  return /^\d+$/.test(text) ? `${text}s` : text;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;
}

function isField(value: unknown): value is ResponseField {
  return isRecord(value) && typeof value.name === 'string' && typeof value.label === 'string';
}

function routeOf(value: unknown): Route | undefined {
  if (!isRecord(value)) return undefined;
  const route: Route = {};
  if (typeof value.slack === 'string') route.slack = value.slack;
  if (typeof value.email === 'string') route.email = value.email;
  return route.slack === undefined && route.email === undefined ? undefined : route;
}

export interface ExplainView {
  /** What was asked, kept for the form (each cut to 20,000 characters). */
  agent: string;
  action: string;
  details: string;
  /** Explain's answer in words. */
  answer?: ExplainAnswer;
  /** The answer exactly as explain gave it, for the raw toggle. */
  raw?: unknown;
  /** Why it could not be asked: details that are not JSON, an argument explain refuses. */
  error?: string;
}

/**
 * "Explain a request": which rule the posted agent, action and details meet, and what happens, in
 * words; it reads, it changes nothing. `explain` is the service's explain; its answer is read by
 * its `verdict` (or the loaded model's `kind`), and is also kept as it came, for the raw toggle.
 */
export async function presentExplain(
  explain: (args: unknown) => unknown,
  body: Record<string, unknown>,
  policy: Pick<PolicyView, 'rules' | 'agentRouting'> | undefined,
): Promise<ExplainView> {
  const text = (v: unknown) => (typeof v === 'string' ? v.slice(0, 20_000) : '');
  const input = { agent: text(body.agent), action: text(body.action), details: text(body.details) || '{}' };
  let details: unknown;
  try {
    details = JSON.parse(input.details);
  } catch {
    return { ...input, error: 'Details: must be a JSON object of strings, e.g. {"amount": "40"}' };
  }
  let raw: unknown;
  try {
    raw = await explain({ agent: input.agent, action: input.action, details });
  } catch (e) {
    if (!(e instanceof LoopPauseError)) throw e;
    if (e.field !== 'policy') return { ...input, error: e.message };
    // What the policy cannot judge (a CEL error), where explain throws it rather than answering.
    const refusal = { verdict: 'refused', field: 'policy', reason: e.message.replace(/^policy: /, '') };
    return { ...input, answer: explainAnswer(refusal, policy) };
  }
  return { ...input, raw, answer: explainAnswer(raw, policy) };
}

/** What a routed request gets, in the words both the answer and the rules table use. */
interface RoutedWords {
  to: string[];
  quorum: number;
  approvers: string;
  owner?: string;
  note?: string;
  fields: string[];
  timeout: string;
  reminders: string[];
  escalations: { after: string; to: string[] }[];
}

/** Explain's answer in words: decided at once, routed to whom with what, or refused and why. */
export function explainAnswer(
  raw: unknown,
  policy: (Pick<PolicyView, 'rules' | 'agentRouting'> & Partial<Pick<PolicyView, 'delegation'>>) | undefined,
): ExplainAnswer {
  const o = isRecord(raw) ? raw : {};
  const rule = typeof o.rule === 'string' ? o.rule : undefined;
  const told = (field: string) => `The agent would be told only that the policy does not allow it (field ${field}).`;
  switch (o.verdict ?? o.kind) {
    case 'no_match':
      return { tone: 'refused', headline: 'Refused: no rule matches this request.', lines: [told('policy')] };
    case 'refused': {
      const field = typeof o.field === 'string' ? o.field : 'policy';
      const reason = typeof o.reason === 'string' ? o.reason : '';
      const headline =
        reason === 'no rule matches'
          ? 'Refused: no rule matches this request.'
          : rule !== undefined
            ? `Refused under rule ${rule}.`
            : field === 'policy'
              ? 'Refused: the policy cannot judge this request.'
              : `Refused: ${field} is not allowed.`;
      return { tone: 'refused', headline, lines: [...(reason ? [`${field}: ${reason}`] : []), told(field)] };
    }
    case 'default': {
      const decision = o.decision === 'allow' || o.decision === 'deny' ? o.decision : 'ask';
      return {
        tone: decision === 'deny' ? 'refused' : 'ok',
        headline: `No tool-call rule matches: the tool-call default, ${decision}.`,
        lines: [TOOL_CALLS_DEFAULT_TEXT[decision]],
      };
    }
    case 'decide': {
      const decision = o.decision === 'rejected' ? 'rejected' : 'approved';
      return {
        tone: decision === 'approved' ? 'ok' : 'refused',
        headline: `Rule ${rule ?? '?'}: decided ${decision} at once.`,
        lines: [
          `No human is asked; the decision is signed by the policy (channel policy, responder policy:${rule ?? '?'}).`,
        ],
      };
    }
    case 'route': {
      const row = policy?.rules.find((r) => r.name === rule);
      const words = o.verdict === 'route' ? routedFromExplanation(o, row) : routedFromRow(row);
      if (!words) {
        return {
          tone: 'ok',
          headline: `Rule ${rule ?? '?'}: routed to people.`,
          lines: [
            'The policy changed since this page was read: reload it for the rule’s words, or read the raw answer.',
          ],
        };
      }
      const routing =
        typeof o.agent_routing === 'string' ? (o.agent_routing as AgentRoutingMode) : policy?.agentRouting;
      const delegation = isDelegationMode(o.delegation)
        ? o.delegation
        : o.verdict === 'route'
          ? undefined
          : (row?.route?.delegation ?? policy?.delegation);
      const lines = [
        words.approvers !== ''
          ? `${words.quorum} of ${words.approvers} must approve${words.quorum > 1 ? '; one rejection ends it' : ''}.`
          : words.quorum > 1
            ? `${words.quorum} of the people it reaches must approve; one rejection ends it.`
            : 'Anyone it reaches may decide.',
        ...(words.owner ? [words.owner] : []),
        ...(words.note ? [`Note: ${words.note}.`] : []),
        ...(words.fields.length > 0 ? [`Asks for ${words.fields.join(', ')}.`] : []),
        `Deadline: ${words.timeout}.`,
        ...(words.reminders.length > 0
          ? [`Reminds those who have not voted after ${words.reminders.join(', ')}.`]
          : []),
        ...words.escalations.map((step) => `After ${step.after}, also to ${step.to.join(', ')}.`),
        ...(routing && routing in AGENT_ROUTING_TEXT
          ? [`agent_routing ${routing}: ${AGENT_ROUTING_TEXT[routing]}.`]
          : []),
        ...(delegation ? [`delegation ${delegation}: ${DELEGATION_TEXT[delegation]}.`] : []),
      ];
      return {
        tone: 'ok',
        headline: `Rule ${rule ?? '?'}: routed to ${words.to.length > 0 ? words.to.join(' and ') : 'the recipients the agent names'}.`,
        lines,
      };
    }
    default:
      return {
        tone: 'refused',
        headline: 'Explain gave an answer this page does not know; see the raw answer.',
        lines: [],
      };
  }
}

/**
 * The service's explanation (snake_case, durations as the policy writes them) in words; approvers
 * by the rule's group names when they are exactly the rule's (the agent narrowed nothing).
 */
function routedFromExplanation(o: Record<string, unknown>, row: RuleRow | undefined): RoutedWords {
  const list = (v: unknown) => strings(v) ?? [];
  const approvers = list(o.approvers);
  const ruleApprovers = row?.route?.approvers ?? [];
  const route = routeOf(o.route);
  const onTimeout = o.on_timeout === 'rejected' || o.on_timeout === 'approved' ? o.on_timeout : 'timed_out';
  const owner = typeof o.excluded_owner === 'string' ? o.excluded_owner : undefined;
  return {
    to: route ? routeWords(route) : [],
    quorum: typeof o.quorum === 'number' ? o.quorum : 1,
    approvers: sameHumans(
      approvers,
      ruleApprovers.flatMap((p) => (p.group ? (p.members ?? []) : [p.text])),
    )
      ? approverNames(ruleApprovers)
      : approvers.join(', '),
    ...(o.owner_cannot_approve === true
      ? {
          owner: owner
            ? `${owner}, the key’s owner, may not approve.`
            : 'The key’s owner may not approve; a key with no owner is refused under this rule.',
        }
      : {}),
    ...(typeof o.note === 'string' ? { note: o.note } : {}),
    fields: Array.isArray(o.response_fields) ? o.response_fields.filter(isField).map(fieldWords) : [],
    timeout: timeoutWords({
      ...(typeof o.timeout_hours === 'number' ? { timeoutHours: o.timeout_hours } : {}),
      onTimeout,
    }),
    reminders: list(o.remind_after),
    escalations: Array.isArray(o.escalate)
      ? o.escalate.filter(isRecord).map((step) => ({
          after: durationWords(step.after),
          to: [...(routeOf(step.route) ? routeWords(routeOf(step.route) as Route) : []), ...list(step.approvers)],
        }))
      : [],
  };
}

/** `finance (sarah@acme.com, cfo@acme.com), U0CFO45678`. */
function approverNames(parts: WhoPart[]): string {
  return parts.map((p) => (p.group ? `${p.text} (${p.members?.join(', ') ?? ''})` : p.text)).join(', ');
}

function sameHumans(a: string[], b: string[]): boolean {
  const key = (list: string[]) => [...new Set(list.map(humanKey))].sort().join('\n');
  return a.length > 0 && key(a) === key(b);
}

/** The matched rule's row, for an answer that names only the rule (the loaded model's explain). */
function routedFromRow(row: RuleRow | undefined): RoutedWords | undefined {
  const route = row?.route;
  if (!route) return undefined;
  return {
    to: route.to,
    quorum: route.quorum,
    approvers: approverNames(route.approvers),
    ...(route.ownerCannotApprove
      ? { owner: 'The key’s owner may not approve; a key with no owner is refused under this rule.' }
      : {}),
    fields: route.fields,
    timeout: route.timeout.replace(
      'the agent’s timeout',
      `the agent’s timeout (${DEFAULT_TIMEOUT_HOURS} h if it names none)`,
    ),
    reminders: route.reminders,
    escalations: route.escalations,
  };
}
