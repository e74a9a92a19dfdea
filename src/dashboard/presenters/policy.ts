import { LoopPauseError } from '../../domain/errors.js';
import type { PolicyOutcome } from '../../domain/policy/index.js';
import type { PolicySource } from '../../use-cases/policy-gate.js';
import type { PolicyView } from '../views/policy.js';

/** The policy page: the policy in force, as the page lists it; undefined when none is. */
export function presentPolicy(policy: PolicySource | undefined): PolicyView | undefined {
  const p = policy?.current();
  if (!p) return undefined;
  return {
    digest: p.digest,
    agentRouting: p.agentRouting,
    admins: p.admins,
    groups: p.groups,
    rules: p.rules.map((r) => ({ name: r.name, when: r.when, effect: r.effect })),
  };
}

export interface ExplainView {
  /** What was asked, kept for the form (each cut to 20,000 characters). */
  agent: string;
  action: string;
  details: string;
  outcome?: PolicyOutcome;
  /** Why it could not be explained: details that are not JSON, or what the policy refuses. */
  error?: string;
}

/** "Explain a request": which rule the posted agent, action and details meet. It reads, it changes nothing. */
export function presentExplain(explain: (args: unknown) => PolicyOutcome, body: Record<string, unknown>): ExplainView {
  const text = (v: unknown) => (typeof v === 'string' ? v.slice(0, 20_000) : '');
  const input = { agent: text(body.agent), action: text(body.action), details: text(body.details) || '{}' };
  try {
    let details: unknown;
    try {
      details = JSON.parse(input.details);
    } catch {
      throw new LoopPauseError('invalid_argument', 'Details: must be a JSON object of strings, e.g. {"amount": "40"}');
    }
    return { ...input, outcome: explain({ agent: input.agent, action: input.action, details }) };
  } catch (e) {
    if (!(e instanceof LoopPauseError)) throw e;
    return { ...input, error: e.message };
  }
}
