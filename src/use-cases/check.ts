import { decidesAtDeadline, type Pause, type PauseView, toView } from '../domain/pause.js';
import { checkApprovalSchema } from '../domain/schemas.js';
import { parseInput } from '../domain/validation.js';
import type { PauseEvents, Watch } from '../store/ports/pause-events.js';
import type { UseCaseDeps } from './deps.js';
import { loadOwnPause } from './load-pause.js';

/**
 * check_approval: answers at once, or holds up to `wait_seconds` for a change, woken by the
 * store's events (any replica's decision). Each agent may hold `maxPerAgent` waits in this
 * process; past that a check answers at once with the current status.
 */
export class WaitingChecks {
  private readonly byAgent = new Map<string, number>();
  // The open watches in a set, not a listener each on one shutdown signal: removing one of
  // thousands of listeners from an AbortSignal walks them all.
  private readonly open = new Set<Watch>();
  private stopped = false;

  constructor(
    private readonly deps: UseCaseDeps<PauseEvents>,
    private readonly maxPerAgent: number,
  ) {}

  async check(agentId: string, args: unknown, signal?: AbortSignal): Promise<PauseView> {
    const { pause_id: pauseId, wait_seconds: waitSeconds } = parseInput(checkApprovalSchema, args);
    return toView(await this.hold(agentId, pauseId, waitSeconds * 1000, signal));
  }

  /**
   * The agent's own pause once it is no longer pending, or as it is after `waitMs` (at once past
   * the agent's limit of waits). check_approval and the tool-call hooks wait here.
   */
  async hold(agentId: string, pauseId: string, waitMs: number, signal?: AbortSignal): Promise<Pause> {
    const waiting = this.byAgent.get(agentId) ?? 0;
    if (waitMs <= 0 || waiting >= this.maxPerAgent) return loadOwnPause(this.deps, agentId, pauseId);
    const deadline = this.deps.now() + waitMs;
    const watch = this.deps.store.watch(pauseId);
    const onAbort = () => watch.close();
    this.open.add(watch);
    signal?.addEventListener('abort', onAbort, { once: true });
    this.deps.metrics?.waitingChecks.inc();
    this.byAgent.set(agentId, waiting + 1);
    try {
      for (;;) {
        const pause = await loadOwnPause(this.deps, agentId, pauseId);
        const nowMs = this.deps.now();
        const remaining = deadline - nowMs;
        if (pause.status !== 'pending' || remaining <= 0 || this.stopped || signal?.aborted) return pause;
        // Wake at the deadline of the pause too: a timeout is a change nobody publishes in time otherwise.
        // Past it, a pause the policy decides at its deadline stays pending until the runner's sweep
        // signs that decision and ends it, which wakes the watch; re-read each second all the same.
        const untilDeadline = Date.parse(pause.expires_at) - nowMs + 5;
        const wakeIn = untilDeadline > 0 || !decidesAtDeadline(pause) ? Math.max(1, untilDeadline) : 1000;
        await watch.next(Math.min(remaining, wakeIn));
      }
    } finally {
      this.deps.metrics?.waitingChecks.dec();
      const left = (this.byAgent.get(agentId) ?? 1) - 1;
      if (left > 0) this.byAgent.set(agentId, left);
      else this.byAgent.delete(agentId);
      signal?.removeEventListener('abort', onAbort);
      this.open.delete(watch);
      watch.close();
    }
  }

  /** Shutdown: every waiting check answers now with the current status. */
  stop(): void {
    this.stopped = true;
    for (const watch of this.open) watch.close();
  }
}
