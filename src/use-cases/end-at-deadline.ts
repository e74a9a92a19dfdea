import type { Decision } from '../domain/vocabulary.js';
import type { PauseStore } from '../store/ports/pauses.js';
import { policyDecision } from './decide.js';

export interface EndAtDeadlineDeps {
  store: Pick<PauseStore, 'getPause' | 'endAtDeadline'>;
  /** What every decision is signed with (HMAC secret, and the receipt signer where one is wired). */
  signing: Parameters<typeof policyDecision>[0];
}

/**
 * The policy decides at the deadline (on_timeout: approved | rejected): the sweep left the due pause
 * pending, holding only the unsigned decision; this signs it now, dated the deadline, with a fresh
 * nonce, and ends the pause with it in one atomic step that only ends it if it is still pending, so
 * a vote that won first, or another replica doing the same, wins instead. Returns the decision when
 * this call ended the pause.
 */
export async function endAtDeadline(
  deps: EndAtDeadlineDeps,
  pauseId: string,
  nowMs: number,
): Promise<Decision | undefined> {
  const pause = await deps.store.getPause(pauseId);
  const due = pause?.timeout_decision;
  if (!pause || !due || pause.status !== 'pending' || Date.parse(pause.expires_at) > nowMs) return undefined;
  const signed = await policyDecision(deps.signing, pause, due.decision, due.rule, Date.parse(pause.expires_at));
  const result = await deps.store.endAtDeadline(pauseId, signed, nowMs);
  return result.outcome === 'ended' ? due.decision : undefined;
}
