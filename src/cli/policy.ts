import { parseArgs } from 'node:util';
import { PolicyFileError, readPolicyFile } from '../adapters/policy-file.js';
import {
  evaluatePolicy,
  formatDuration,
  type Policy,
  PolicyError,
  type PolicyOutcome,
  type PolicyRule,
} from '../domain/policy/index.js';

const USAGE = `usage: looppause policy check FILE
       looppause policy explain --file FILE --agent NAME --action TEXT [--details JSON]
`;

/** `looppause policy check|explain`: validate a policy file, or show which rule a request meets. */
export async function policyCommand(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  try {
    if (action === 'check') return check(rest);
    if (action === 'explain') return explain(rest);
  } catch (error) {
    if (!(error instanceof PolicyFileError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
  }
  process.stderr.write(USAGE);
  return 2;
}

function check(args: string[]): number {
  const [file, ...extra] = args;
  if (!file || extra.length > 0) {
    process.stderr.write(USAGE);
    return 2;
  }
  const policy = readPolicyFile(file);
  const lines = [
    `${file}: valid, ${policy.rules.length} rule${policy.rules.length === 1 ? '' : 's'}, agent_routing ${policy.agentRouting}`,
    `digest ${policy.digest}`,
    ...policy.rules.map(describeRule),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

function explain(args: string[]): number {
  let values: { file?: string; agent?: string; action?: string; details?: string };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        file: { type: 'string' },
        agent: { type: 'string' },
        action: { type: 'string' },
        details: { type: 'string' },
      },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`looppause policy explain: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (!values.file || values.agent === undefined || values.action === undefined) {
    process.stderr.write(`looppause policy explain: --file, --agent and --action are required\n${USAGE}`);
    return 2;
  }
  const details = parseDetails(values.details ?? '{}');
  if (!details) {
    process.stderr.write('looppause policy explain: --details must be a JSON object of string → string\n');
    return 2;
  }
  const policy = readPolicyFile(values.file);
  let outcome: PolicyOutcome;
  try {
    outcome = evaluatePolicy(policy, { agent: values.agent, action: values.action, details });
  } catch (error) {
    if (!(error instanceof PolicyError)) throw error;
    process.stdout.write(`refused: ${error.message}\n`);
    return 1;
  }
  process.stdout.write(`${describeOutcome(policy, outcome)}\n`);
  return outcome.kind === 'no_match' ? 1 : 0;
}

function parseDetails(json: string): Record<string, string> | undefined {
  try {
    const value = JSON.parse(json) as unknown;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    const entries = Object.entries(value);
    return entries.every(([, v]) => typeof v === 'string')
      ? (Object.fromEntries(entries) as Record<string, string>)
      : undefined;
  } catch {
    return undefined;
  }
}

function describeRule(rule: PolicyRule): string {
  const when = [
    rule.when.agents ? `agents ${rule.when.agents.join(', ')}` : undefined,
    rule.when.action !== undefined ? `action "${rule.when.action}"` : undefined,
    rule.when.if !== undefined ? `if ${rule.when.if}` : undefined,
  ].filter((part) => part !== undefined);
  const effect = rule.effect.kind === 'decide' ? `decide ${rule.effect.decision}` : 'route';
  return `  rules[${rule.index}] ${rule.name}: ${when.length > 0 ? when.join('; ') : 'always'} → ${effect}`;
}

function describeOutcome(policy: Policy, outcome: PolicyOutcome): string {
  switch (outcome.kind) {
    case 'no_match':
      return 'no rule matches: the request would be refused (field "policy")';
    case 'decide':
      return `rule ${outcome.rule}: decided ${outcome.decision} by policy (channel "policy", responder "policy:${outcome.rule}")`;
    case 'route': {
      const lines = [
        `rule ${outcome.rule}: routed (agent_routing ${policy.agentRouting})`,
        `  route: ${outcome.route ? [outcome.route.slack && `slack ${outcome.route.slack}`, outcome.route.email && `email ${outcome.route.email}`].filter(Boolean).join(', ') : "the agent's recipients"}`,
        `  approvers: ${outcome.approvers.length > 0 ? outcome.approvers.join(', ') : 'anyone the request reaches'}`,
        `  quorum: ${outcome.quorum}${outcome.ownerCannotApprove ? ', the key owner may not approve' : ''}`,
        `  timeout: ${outcome.timeoutHours !== undefined ? `${outcome.timeoutHours} h` : "the agent's (default 24 h)"}, on timeout: ${outcome.onTimeout}`,
      ];
      if (outcome.responseFields.length > 0)
        lines.push(`  response fields: ${outcome.responseFields.map((f) => f.name).join(', ')}`);
      if (outcome.remindAfterMs.length > 0)
        lines.push(`  reminders after: ${outcome.remindAfterMs.map(formatDuration).join(', ')}`);
      for (const step of outcome.escalate) {
        const to = [step.route?.slack, step.route?.email, ...step.approvers].filter(Boolean).join(', ');
        lines.push(`  escalate after ${formatDuration(step.afterMs)}: ${to}`);
      }
      return lines.join('\n');
    }
  }
}
