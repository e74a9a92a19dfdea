import type { Delegation } from '../domain/delegation.js';
import type { DelegationDeps } from './set-delegation.js';

/** `absent` is back: their delegation ends now (and goes on the audit log). Undefined when none was in force. */
export async function endDelegation(
  deps: Omit<DelegationDeps, 'policy'>,
  absent: string,
  endedBy: string,
): Promise<Delegation | undefined> {
  const nowMs = deps.now();
  const ended = await deps.delegations.endDelegation(absent, nowMs);
  if (ended) {
    await deps.audit.appendAudit(
      { type: 'delegation.ended', actor: endedBy, data: { absent: ended.absent, delegate: ended.delegate } },
      nowMs,
    );
  }
  return ended;
}
