import { expect } from 'vitest';
import type { ApprovalPlan } from '../../src/domain/approvals/plan.js';
import { newPauseId } from '../../src/domain/ids.js';
import type { Pause } from '../../src/domain/pause.js';
import type { ApprovalRequest } from '../../src/domain/schemas.js';
import type { SignedDecision } from '../../src/domain/signing.js';
import { toolCallTitle } from '../../src/domain/tool-call-view.js';
import { type ToolCallRecord, toolCallDigest } from '../../src/domain/tool-calls.js';
import type { RunningService } from '../../src/main.js';

/** The rule of these pauses: one approval, rejected at the deadline, "Approve for this session" for an hour. */
export const REMEMBER_PLAN: ApprovalPlan = {
  quorum: 1,
  remind_after_ms: [],
  escalate: [],
  on_timeout: 'rejected',
  remember_ms: 3_600_000,
};

/**
 * A pending tool-call pause written straight to the store, with the delivery jobs the service
 * would queue (Slack post, e-mail), as the tool-call engine creates them.
 */
export async function createToolCallPause(
  running: RunningService,
  call: ToolCallRecord,
  route: Pick<ApprovalRequest, 'recipient_slack' | 'recipient_email'>,
  options: { agentId?: string; plan?: ApprovalPlan | undefined } = {},
): Promise<Pause> {
  const nowMs = running.service.now();
  const request: ApprovalRequest = {
    action_description: toolCallTitle(call),
    action_details: {},
    timeout_hours: 1,
    response_fields: [],
    ...route,
  };
  const plan = 'plan' in options ? options.plan : REMEMBER_PLAN;
  const pause: Pause = {
    pause_id: newPauseId(),
    agent_id: options.agentId ?? 'agent-a',
    status: 'pending',
    created_at: new Date(nowMs).toISOString(),
    expires_at: new Date(nowMs + 3_600_000).toISOString(),
    request,
    action_digest: toolCallDigest(call),
    tool_call: call,
    policy_rule: 'coding-agents',
    ...(plan ? { plan } : {}),
    delivery: {},
  };
  const stored = await running.store.createPause({ pause, jobs: running.service.deliveries.initialJobs(pause, nowMs) });
  if (stored.outcome !== 'created') throw new Error(`createPause answered ${stored.outcome}`);
  return stored.pause;
}

/** The signed decision approves the call for this session: until its time plus the rule's window. */
export function expectRememberedFor(
  response: SignedDecision | undefined,
  windowMs = REMEMBER_PLAN.remember_ms ?? 0,
): void {
  expect(response?.decision).toBe('approved');
  expect(response?.remember_until).toBe(new Date(Date.parse(response?.responded_at ?? '') + windowMs).toISOString());
}
