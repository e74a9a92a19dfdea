/**
 * Operator policy: parse a policy file, match a request or a tool call to its rule, apply the agent's own routing
 * (requests only).
 */

export { CEL_TIME_BUDGET_MS } from './cel.js';
export { formatDuration } from './duration.js';
export { type ParsePolicyResult, parsePolicy } from './load.js';
export { type EvaluateOptions, evaluatePolicy, evaluateToolCallPolicy } from './match.js';
export {
  type AgentChoices,
  type AgentRoutingContext,
  type AgentRoutingRequest,
  type AgentRoutingResult,
  applyAgentRouting,
  type EffectiveRouting,
} from './routing.js';
export type { PolicyDocument } from './schema.js';
export {
  type AgentRoutingMode,
  type DelegationMode,
  type EscalationStep,
  type OnTimeout,
  type Policy,
  type PolicyDecision,
  PolicyError,
  type PolicyInput,
  type PolicyOutcome,
  type PolicyRule,
  type Route,
  type RouteOutcome,
  type RoutingPlan,
  type ToolCallDefault,
  type ToolCallPolicyInput,
  type ToolCallPolicyOutcome,
} from './types.js';
