import { parseArgs } from 'node:util';
import { PolicyFileError, readPolicyFile } from '../adapters/policy-file.js';
import type { Config } from '../config.js';
import { LoopPauseError } from '../domain/errors.js';
import { type DelegationMode, formatDuration, type PolicyRule } from '../domain/policy/index.js';
import {
  type ExplainContext,
  type ExplainInput,
  explainRequest,
  type PolicyExplanation,
  parseExplainInput,
  type RequestExplanation,
  type ToolCallExplanation,
} from '../use-cases/explain-policy.js';

const USAGE = `usage: looppause policy check FILE
       looppause policy explain [--file FILE] --agent NAME --action TEXT [--details JSON] [--request JSON] [--json]
       looppause policy explain [--file FILE] [--agent NAME] --tool NAME [--input JSON] [--cwd DIR] [--session ID] [--json]
         (FILE defaults to LOOPPAUSE_POLICY_FILE; --request takes request_approval's routing
         arguments, e.g. '{"recipient_email": "a@b.co", "timeout_hours": 2}'; --tool explains a
         tool call a hook would send, e.g. --tool Bash --input '{"command": "git push"}')
`;

/** `looppause policy check|explain`: validate a policy file, or show what a request would get under it. */
export async function policyCommand(args: string[], loadConfig: () => Config): Promise<number> {
  const [action, ...rest] = args;
  try {
    if (action === 'check') return check(rest);
    if (action === 'explain') return explain(rest, loadConfig);
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
    `${file}: valid, ${policy.rules.length} rule${policy.rules.length === 1 ? '' : 's'}, agent_routing ${policy.agentRouting}, tool_calls_default ${policy.toolCallsDefault}`,
    `digest ${policy.digest}`,
    ...policy.rules.map(describeRule),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

interface ExplainFlags {
  file?: string;
  agent?: string;
  action?: string;
  details?: string;
  request?: string;
  tool?: string;
  input?: string;
  cwd?: string;
  session?: string;
  json?: boolean;
}

function explain(args: string[], loadConfig: () => Config): number {
  let values: ExplainFlags;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        file: { type: 'string' },
        agent: { type: 'string' },
        action: { type: 'string' },
        details: { type: 'string' },
        request: { type: 'string' },
        tool: { type: 'string' },
        input: { type: 'string' },
        cwd: { type: 'string' },
        session: { type: 'string' },
        json: { type: 'boolean' },
      },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`looppause policy explain: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const usage = (message: string): number => {
    process.stderr.write(`looppause policy explain: ${message}\n`);
    return 2;
  };
  const forTool = values.tool !== undefined;
  if (forTool) {
    if (values.action !== undefined || values.details !== undefined || values.request !== undefined) {
      return usage('--tool explains a tool call: --action, --details and --request are for request_approval requests');
    }
  } else {
    if (values.input !== undefined || values.cwd !== undefined || values.session !== undefined) {
      return usage('--input, --cwd and --session describe a tool call: give --tool too');
    }
    if (values.agent === undefined || values.action === undefined) {
      process.stderr.write(`looppause policy explain: --agent and --action (or --tool) are required\n${USAGE}`);
      return 2;
    }
  }
  // The service's own settings: its policy file, its keys' owners, its allow-lists and whether Slack is on.
  const config = loadConfig();
  const file = values.file ?? config.policyFile;
  if (!file) {
    process.stderr.write(`looppause policy explain: give --file FILE, or set LOOPPAUSE_POLICY_FILE\n${USAGE}`);
    return 2;
  }
  const explainArgs = forTool ? toolCallArgs(values) : requestArgs(values);
  if (typeof explainArgs === 'string') return usage(explainArgs);
  let input: ExplainInput;
  try {
    input = parseExplainInput(explainArgs);
  } catch (error) {
    if (!(error instanceof LoopPauseError)) throw error;
    return usage(error.message);
  }
  const policy = readPolicyFile(file);
  const explanation = explainRequest(policy, input, {
    recipients: {
      slackEnabled: config.slack !== undefined,
      allowedEmailDomains: config.allowedEmailDomains,
      allowedSlackChannels: config.allowedSlackChannels,
    },
    owner: ownerOf(config, input.agent),
  });
  process.stdout.write(`${values.json ? JSON.stringify(explanation, null, 2) : describeExplanation(explanation)}\n`);
  return explanation.verdict === 'refused' ? 1 : 0;
}

/** explain's arguments for a request, or what is wrong with the flags. */
function requestArgs(values: ExplainFlags): Record<string, unknown> | string {
  const details = parseDetails(values.details ?? '{}');
  if (!details) return '--details must be a JSON object of string → string';
  const request = parseObject(values.request);
  if (request === null) {
    return '--request must be a JSON object of request_approval arguments, e.g. \'{"recipient_email": "a@b.co"}\'';
  }
  return { agent: values.agent, action: values.action, details, ...(request ? { request } : {}) };
}

/** explain's arguments for a tool call, or what is wrong with the flags. */
function toolCallArgs(values: ExplainFlags): Record<string, unknown> | string {
  const input = parseObject(values.input ?? '{}');
  if (!input) return '--input must be a JSON object (the tool input), e.g. \'{"command": "git push"}\'';
  return {
    tool: values.tool,
    input,
    ...(values.agent === undefined ? {} : { agent: values.agent }),
    ...(values.cwd === undefined ? {} : { cwd: values.cwd }),
    ...(values.session === undefined ? {} : { session_id: values.session }),
  };
}

/**
 * The key's owner as the service would find it, from LOOPPAUSE_API_KEYS (or the development key
 * npm start makes when there are none). Keys minted into the store are out of the CLI's sight.
 */
function ownerOf(config: Config, agent: string): ExplainContext['owner'] {
  const configured = config.apiKeys.find((key) => key.name === agent);
  if (configured) return { known: true, owner: configured.owner };
  const devKeyOnly = config.apiKeys.length === 0 && !config.redis && config.env !== 'production';
  if (devKeyOnly && agent === 'dev') return { known: true, owner: undefined };
  return {
    known: false,
    why: `${agent} is not a key in LOOPPAUSE_API_KEYS; a key minted with looppause keys create or on the dashboard lives in the store, which this command does not read`,
  };
}

function parseObject(json: string | undefined): Record<string, unknown> | undefined | null {
  if (json === undefined) return undefined;
  try {
    const value = JSON.parse(json) as unknown;
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
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
    rule.when.tool !== undefined ? `tool "${rule.when.tool}"` : undefined,
    rule.when.agents ? `agents ${rule.when.agents.join(', ')}` : undefined,
    rule.when.action !== undefined ? `action "${rule.when.action}"` : undefined,
    rule.when.if !== undefined ? `if ${rule.when.if}` : undefined,
  ].filter((part) => part !== undefined);
  const e = rule.effect;
  const effect =
    e.kind === 'decide'
      ? `decide ${e.decision}`
      : `route${e.rememberMs === undefined ? '' : ` (remember ${formatDuration(e.rememberMs)})`}`;
  return `  rules[${rule.index}] ${rule.name}: ${when.length > 0 ? when.join('; ') : 'always'} → ${effect}`;
}

function describeExplanation(e: PolicyExplanation): string {
  return 'tool' in e ? describeToolCall(e) : describeRequest(e);
}

function describeToolCall(e: ToolCallExplanation): string {
  const note = e.verdict !== 'refused' && e.note ? `\n  note: ${e.note}` : '';
  switch (e.verdict) {
    case 'refused':
      return `tool call ${e.tool}: refused (field ${e.field}${e.rule === undefined ? '' : `, rule ${e.rule}`}): ${e.reason}`;
    case 'default':
      return `tool call ${e.tool}: no tool-call rule matches: tool_calls_default ${e.decision} (the hook answers ${e.answer}${e.answer === 'ask' ? ': the agent asks its own user' : ''})${note}`;
    case 'decide':
      return `tool call ${e.tool}: rule ${e.rule}: decided ${e.decision} by policy (the hook answers ${e.answer}; channel "policy", responder "policy:${e.rule}")${note}`;
    case 'route': {
      const route = [e.route.slack && `slack ${e.route.slack}`, e.route.email && `email ${e.route.email}`];
      const lines = [
        `tool call ${e.tool}: rule ${e.rule}: routed to humans (the hook waits for their decision)`,
        `  route: ${route.filter(Boolean).join(', ')}`,
        `  approvers: ${e.approvers.length > 0 ? e.approvers.join(', ') : 'anyone the call reaches'}`,
        `  quorum: ${e.quorum}`,
      ];
      if (e.owner_cannot_approve) {
        lines.push(
          `  owner_cannot_approve: ${e.excluded_owner === undefined ? "the key's owner" : `${e.excluded_owner} (the key's owner)`} may not vote`,
        );
      }
      lines.push(
        `  ${e.timeout_hours === undefined ? '' : `timeout_hours: ${e.timeout_hours}, `}on_timeout: ${e.on_timeout} (the hook answers ${e.on_timeout_answer})`,
      );
      if (e.remind_after.length > 0) lines.push(`  remind_after: ${e.remind_after.join(', ')}`);
      for (const step of e.escalate) {
        const to = [step.route?.slack, step.route?.email, ...step.approvers].filter(Boolean).join(', ');
        lines.push(`  escalate after ${step.after}: ${to}`);
      }
      lines.push(
        e.remember === undefined
          ? '  remember: no ("Approve for this session" is not offered)'
          : `  remember: ${e.remember} ("Approve for this session" lets the same call in the same session through again)`,
      );
      lines.push(`  delegation: ${describeDelegation(e.delegation)}`);
      if (e.note) lines.push(`  note: ${e.note}`);
      return lines.join('\n');
    }
  }
}

/** The `delegation` mode, with what it means for an away approver. */
function describeDelegation(mode: DelegationMode): string {
  switch (mode) {
    case 'deny':
      return "deny (nobody decides in an away approver's place)";
    case 'within_group':
      return 'within_group (a delegate must already be among the approvers)';
    case 'any':
      return 'any (whoever the away approver names)';
  }
}

function describeRequest(e: RequestExplanation): string {
  switch (e.verdict) {
    case 'refused':
      return `refused (field ${e.field}${e.rule === undefined ? '' : `, rule ${e.rule}`}): ${e.reason}`;
    case 'decide':
      return `rule ${e.rule}: decided ${e.decision} by policy (channel "policy", responder "policy:${e.rule}")`;
    case 'route': {
      const route = [e.route.slack && `slack ${e.route.slack}`, e.route.email && `email ${e.route.email}`];
      const lines = [
        `rule ${e.rule}: routed (agent_routing ${e.agent_routing})`,
        `  route: ${route.filter(Boolean).join(', ')}`,
        `  approvers: ${e.approvers.length > 0 ? e.approvers.join(', ') : 'anyone the request reaches'}`,
        `  quorum: ${e.quorum}`,
      ];
      if (e.owner_cannot_approve) {
        lines.push(
          `  owner_cannot_approve: ${e.excluded_owner === undefined ? "the key's owner" : `${e.excluded_owner} (the key's owner)`} may not vote`,
        );
      }
      lines.push(`  timeout_hours: ${e.timeout_hours}, on_timeout: ${e.on_timeout}`);
      if (e.response_fields.length > 0)
        lines.push(`  response_fields: ${e.response_fields.map((f) => f.name).join(', ')}`);
      if (e.remind_after.length > 0) lines.push(`  remind_after: ${e.remind_after.join(', ')}`);
      for (const step of e.escalate) {
        const to = [step.route?.slack, step.route?.email, ...step.approvers].filter(Boolean).join(', ');
        lines.push(`  escalate after ${step.after}: ${to}`);
      }
      lines.push(`  delegation: ${describeDelegation(e.delegation)}`);
      if (e.note) lines.push(`  note: ${e.note}`);
      return lines.join('\n');
    }
  }
}
