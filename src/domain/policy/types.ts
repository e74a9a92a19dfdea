import type { ResponseField } from '../schemas.js';
import type { CelCondition } from './cel.js';
import type { GlobMatcher } from './glob.js';
import type { AgentRoutingMode, DelegationMode, OnTimeout, PolicyDecision, ToolCallDefault } from './schema.js';

export type { AgentRoutingMode, DelegationMode, OnTimeout, PolicyDecision, ToolCallDefault };

export interface Route {
  slack?: string;
  email?: string;
}

export interface EscalationStep {
  afterMs: number;
  route?: Route;
  /** Expanded (groups resolved) and deduplicated. */
  approvers: string[];
}

/** Where a request goes and who decides it, as a rule gives it (before the agent's own routing is applied). */
export interface RoutingPlan {
  /** Absent only under agent_routing: allow, where the agent names the recipients. */
  route?: Route;
  /** Expanded and deduplicated; empty means anyone the request reaches may decide. */
  approvers: string[];
  quorum: number;
  ownerCannotApprove: boolean;
  responseFields: ResponseField[];
  timeoutHours?: number;
  remindAfterMs: number[];
  escalate: EscalationStep[];
  onTimeout: OnTimeout;
  /**
   * Tool-call rules only: how long "Approve for this session" lets the same call (session, tool,
   * input) through without asking again; absent when the rule sets no `remember`.
   */
  rememberMs?: number;
  /**
   * Whom an away approver's delegate may be for this rule's requests, when the rule sets its own
   * `delegation`; absent: the policy's top-level one.
   */
  delegation?: DelegationMode;
}

export type RuleEffect = { kind: 'decide'; decision: PolicyDecision } | ({ kind: 'route' } & RoutingPlan);

export interface PolicyRule {
  index: number;
  name: string;
  /** The rule's conditions as written, for `policy check` / `explain`. */
  when: { tool?: string; agents?: string[]; action?: string; if?: string };
  /**
   * Present exactly when the rule has `when.tool`: such a rule judges only tool calls, and a rule
   * without it only request_approval requests.
   */
  toolMatcher?: GlobMatcher;
  agentMatchers?: GlobMatcher[];
  actionMatcher?: GlobMatcher;
  condition?: CelCondition;
  effect: RuleEffect;
}

export interface Policy {
  /** sha256 hex of the source text. */
  digest: string;
  agentRouting: AgentRoutingMode;
  /** What a tool call no rule matches gets (`ask`: the agent's own local prompt). */
  toolCallsDefault: ToolCallDefault;
  /**
   * Where the MCP gateway asks about a tool no rule matches and its upstream does not mark
   * read-only; without it such a tool is refused.
   */
  gatewayDefaultRoute?: Route;
  /** Members deduplicated. */
  groups: Record<string, string[]>;
  admins: string[];
  /** The top-level `delegation` (default `within_group`); a rule may set its own. */
  delegation: DelegationMode;
  rules: PolicyRule[];
}

export interface PolicyInput {
  /** The API key's name. */
  agent: string;
  /** action_description. */
  action: string;
  /** action_details. */
  details: Record<string, string>;
}

export type RouteOutcome = { kind: 'route'; rule: string } & RoutingPlan;

export type PolicyOutcome =
  | { kind: 'decide'; rule: string; decision: PolicyDecision }
  | RouteOutcome
  | { kind: 'no_match' };

/** A tool call as the policy judges it: the hook's tool, its input, and who sends it from where. */
export interface ToolCallPolicyInput {
  /** The API key's name. */
  agent: string;
  /** The tool name: `Bash`, `Edit`, `mcp__github__create_issue`. */
  tool: string;
  /** The tool input object, as JSON. */
  input: Record<string, unknown>;
  cwd?: string;
  session_id?: string;
}

/**
 * What the policy makes of a tool call: a rule decides at once, a rule routes it to humans, or no
 * rule matches and `tool_calls_default` answers.
 */
export type ToolCallPolicyOutcome =
  | { kind: 'decide'; rule: string; decision: PolicyDecision }
  | RouteOutcome
  | { kind: 'default'; decision: ToolCallDefault };

/** A request the policy cannot judge (a CEL runtime error, a non-boolean result, an over-budget input or run). */
export class PolicyError extends Error {
  /** The request field to name in the invalid_argument refusal. */
  readonly field = 'policy';

  constructor(
    message: string,
    readonly rule?: { index: number; name: string },
  ) {
    super(message);
    this.name = 'PolicyError';
  }
}
