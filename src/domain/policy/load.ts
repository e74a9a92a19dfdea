import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { sha256Hex } from '../hash.js';
import { compileCondition } from './cel.js';
import { formatDuration } from './duration.js';
import { compileGlob } from './glob.js';
import { dedupeHumans } from './humans.js';
import { GROUP_PREFIX, MAX_APPROVERS, type PolicyDocument, policyDocumentSchema, type RuleDocument } from './schema.js';
import type { EscalationStep, Policy, PolicyRule, RuleEffect } from './types.js';

const MAX_POLICY_CHARS = 1_000_000;
const MAX_YAML_ALIASES = 100;

export type ParsePolicyResult = { ok: true; policy: Policy } | { ok: false; errors: string[] };

/** Parses and validates a policy file's text; every error names its place (`rules[2].when.if: …`). Never throws. */
export function parsePolicy(yamlText: string): ParsePolicyResult {
  try {
    return parse(yamlText);
  } catch (error) {
    return { ok: false, errors: [`policy: could not be read: ${error instanceof Error ? error.message : error}`] };
  }
}

function parse(text: string): ParsePolicyResult {
  if (text.length > MAX_POLICY_CHARS)
    return { ok: false, errors: [`policy: larger than ${MAX_POLICY_CHARS} characters`] };
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) return { ok: false, errors: doc.errors.map(yamlErrorText) };

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (error) {
    return { ok: false, errors: [`policy: ${error instanceof Error ? error.message : error}`] };
  }
  const parsed = policyDocumentSchema.safeParse(data);
  if (!parsed.success) return { ok: false, errors: parsed.error.issues.flatMap(zodIssueTexts) };
  return build(parsed.data, text);
}

function yamlErrorText(error: { message: string; linePos?: [{ line: number; col: number }, ...unknown[]] }): string {
  const message = error.message.replace(/ at line \d+, column \d+:[\s\S]*$/, '').split('\n')[0];
  const at = error.linePos?.[0];
  return at ? `line ${at.line}, column ${at.col}: ${message}` : `policy: ${message}`;
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? 'policy' : out;
}

function zodIssueTexts(issue: z.core.$ZodIssue): string[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => `${formatPath([...issue.path, key])}: unknown key`);
  }
  return [`${formatPath(issue.path)}: ${issue.message}`];
}

function build(document: PolicyDocument, text: string): ParsePolicyResult {
  const errors: string[] = [];
  const agentRouting = document.agent_routing ?? 'restrict';
  const groups: Record<string, string[]> = Object.create(null);
  for (const [name, members] of Object.entries(document.groups ?? {})) groups[name] = dedupeHumans(members);

  const expand = (entries: readonly string[] | undefined, place: string): string[] => {
    const out: string[] = [];
    (entries ?? []).forEach((entry, i) => {
      if (!entry.startsWith(GROUP_PREFIX)) {
        out.push(entry);
        return;
      }
      const name = entry.slice(GROUP_PREFIX.length);
      const members = Object.hasOwn(groups, name) ? groups[name] : undefined;
      if (members) out.push(...members);
      else errors.push(`${place}[${i}]: unknown group "${name}"`);
    });
    const expanded = dedupeHumans(out);
    if (expanded.length > MAX_APPROVERS) errors.push(`${place}: expands to more than ${MAX_APPROVERS} approvers`);
    return expanded;
  };

  const firstIndexByName = new Map<string, number>();
  const rules: PolicyRule[] = document.rules.map((rule, index) => {
    const place = `rules[${index}]`;
    const first = firstIndexByName.get(rule.name);
    if (first === undefined) firstIndexByName.set(rule.name, index);
    else errors.push(`${place}.name: duplicates rules[${first}] ("${rule.name}")`);

    const forTools = rule.when?.tool !== undefined;
    const compiled: PolicyRule = {
      index,
      name: rule.name,
      when: { ...rule.when },
      effect: ruleEffect(rule, place, agentRouting, expand, errors),
    };
    if (rule.when?.tool !== undefined) compiled.toolMatcher = compileGlob(rule.when.tool);
    if (rule.when?.agents) compiled.agentMatchers = rule.when.agents.map(compileGlob);
    if (rule.when?.action !== undefined) compiled.actionMatcher = compileGlob(rule.when.action);
    if (rule.when?.if !== undefined) {
      const result = compileCondition(rule.when.if, rule.name, forTools ? 'tool' : 'request');
      if (result.ok) compiled.condition = result.condition;
      else errors.push(`${place}.when.if: ${result.error}`);
    }
    return compiled;
  });

  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    policy: {
      digest: sha256Hex(text),
      agentRouting,
      toolCallsDefault: document.tool_calls_default ?? 'ask',
      ...(document.gateway_default_route ? { gatewayDefaultRoute: document.gateway_default_route } : {}),
      groups,
      admins: document.admins ?? [],
      delegation: document.delegation ?? 'within_group',
      rules,
    },
  };
}

function ruleEffect(
  rule: RuleDocument,
  place: string,
  agentRouting: Policy['agentRouting'],
  expand: (entries: readonly string[] | undefined, place: string) => string[],
  errors: string[],
): RuleEffect {
  if (rule.decide !== undefined) return { kind: 'decide', decision: rule.decide };

  if (rule.when?.tool !== undefined) {
    // agent_routing is about request_approval's recipients: a hook names none, so the rule must.
    if (rule.route === undefined) {
      errors.push(
        `${place}.route: is required for a tool-call rule (when.tool) that does not decide: a hook names no recipients`,
      );
    }
  } else if (rule.route === undefined && agentRouting !== 'allow') {
    errors.push(`${place}.route: is required with agent_routing: ${agentRouting} (only allow lets the agent choose)`);
  } else if (rule.route === undefined && rule.on_timeout !== undefined && rule.on_timeout !== 'timed_out') {
    // The agent must not pick where a request goes that the deadline decides: it could pick nobody.
    errors.push(`${place}.route: is required with on_timeout: ${rule.on_timeout} (the rule decides at its deadline)`);
  }
  const errorsBefore = errors.length;
  const approvers = expand(rule.approvers, `${place}.approvers`);
  const escalate: EscalationStep[] = (rule.escalate ?? []).map((step, i) => ({
    afterMs: step.after,
    ...(step.route ? { route: step.route } : {}),
    approvers: expand(step.approvers, `${place}.escalate[${i}].approvers`),
  }));
  const quorum = rule.quorum ?? 1;

  // An unknown group already explains a short reach; counting it again would only repeat the error.
  if (rule.approvers !== undefined && errors.length === errorsBefore) {
    const reachable = dedupeHumans([...approvers, ...escalate.flatMap((step) => step.approvers)]).length;
    if (quorum > reachable) {
      errors.push(`${place}.quorum: ${quorum} is more than the ${reachable} distinct approvers the rule can reach`);
    }
  }
  escalate.forEach((step, i) => {
    const previous = escalate[i - 1];
    if (previous && step.afterMs <= previous.afterMs) {
      errors.push(`${place}.escalate[${i}].after: must be later than escalate[${i - 1}].after`);
    }
  });
  if (rule.timeout_hours !== undefined) {
    const timeoutMs = rule.timeout_hours * 3_600_000;
    const tooLate = `must be shorter than timeout_hours (${formatDuration(timeoutMs)})`;
    (rule.remind_after ?? []).forEach((ms, i) => {
      if (ms >= timeoutMs) errors.push(`${place}.remind_after[${i}]: ${tooLate}`);
    });
    escalate.forEach((step, i) => {
      if (step.afterMs >= timeoutMs) errors.push(`${place}.escalate[${i}].after: ${tooLate}`);
    });
  }

  return {
    kind: 'route',
    ...(rule.route ? { route: rule.route } : {}),
    approvers,
    quorum,
    ownerCannotApprove: rule.owner_cannot_approve ?? false,
    responseFields: rule.response_fields ?? [],
    ...(rule.timeout_hours !== undefined ? { timeoutHours: rule.timeout_hours } : {}),
    remindAfterMs: rule.remind_after ?? [],
    escalate,
    onTimeout: rule.on_timeout ?? 'timed_out',
    ...(rule.remember !== undefined ? { rememberMs: rule.remember } : {}),
    ...(rule.delegation !== undefined ? { delegation: rule.delegation } : {}),
  };
}
