import { checkDelegation, conflictRefusal, type Delegation, delegationInputSchema } from '../domain/delegation.js';
import { LoopPauseError } from '../domain/errors.js';
import type { AuditLog } from '../store/ports/audit.js';
import type { DelegationStore } from '../store/ports/delegations.js';
import type { PolicySource } from './policy-gate.js';
import { checkEmailDomain } from './recipient-rules.js';

export interface DelegationDeps {
  delegations: DelegationStore;
  audit: Pick<AuditLog, 'appendAudit'>;
  /** The policy in force; absent: no policy file, anyone may be named. */
  policy?: PolicySource | undefined;
  /**
   * LOOPPAUSE_ALLOWED_EMAIL_DOMAINS: a delegate named by e-mail must be in them, as e-mail
   * approvers must (a delegate is e-mailed the requests, with a link that votes).
   */
  allowedEmailDomains?: readonly string[] | undefined;
  now: () => number;
}

/**
 * Someone goes away until a time and names who decides for them: checked (not to oneself, not into
 * the past, what the policy's `delegation` allows; no loop or chain, atomically in the store), then
 * in force at once and on the audit log. `setBy` is who asked (the absent person, or an admin); the
 * surface decides who may ask. A refusal is an `invalid_argument` naming the field and the reason.
 */
export async function setDelegation(deps: DelegationDeps, input: unknown, setBy: string): Promise<Delegation> {
  const parsed = delegationInputSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || 'delegation';
    throw new LoopPauseError('invalid_argument', `${field}: ${issue?.message ?? 'is not valid'}`, field);
  }
  const nowMs = deps.now();
  const refusal = checkDelegation(parsed.data, nowMs, deps.policy?.current());
  if (refusal) throw new LoopPauseError('invalid_argument', `${refusal.field}: ${refusal.reason}`, refusal.field);
  if (parsed.data.delegate.includes('@')) checkEmailDomain('delegate', parsed.data.delegate, deps.allowedEmailDomains);
  const delegation: Delegation = {
    absent: parsed.data.absent,
    delegate: parsed.data.delegate,
    from: new Date(nowMs).toISOString(),
    until: new Date(Date.parse(parsed.data.until)).toISOString(),
    set_by: setBy,
  };
  const result = await deps.delegations.setDelegation(delegation, nowMs);
  if (result.outcome === 'conflict') {
    const conflict = conflictRefusal(result.conflict, delegation);
    throw new LoopPauseError('invalid_argument', `${conflict.field}: ${conflict.reason}`, conflict.field);
  }
  await deps.audit.appendAudit(
    {
      type: 'delegation.set',
      actor: setBy,
      data: { absent: delegation.absent, delegate: delegation.delegate, until: delegation.until },
    },
    nowMs,
  );
  return result.delegation;
}
