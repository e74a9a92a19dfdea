/** Operator policy: parse a policy file, match a request to its rule, apply the agent's own routing. */

export { CEL_INPUT_LIMITS, CEL_LIMITS, CEL_MAX_MACRO_NESTING, CEL_TIME_BUDGET_MS, CEL_VARIABLES } from './cel.js';
export { formatDuration, parseDurationMs } from './duration.js';
export { MAX_POLICY_CHARS, type ParsePolicyResult, parsePolicy } from './load.js';
export { type EvaluateOptions, evaluatePolicy } from './match.js';
export {
  type AgentRoutingRequest,
  type AgentRoutingResult,
  applyAgentRouting,
  type EffectiveRouting,
} from './routing.js';
export type { PolicyDocument } from './schema.js';
export {
  type AgentRoutingMode,
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
} from './types.js';
