import type { JobKind } from '../../jobs/job-kinds.js';
import type { JobHandler } from '../../jobs/job-runner.js';
import type { SlackDeps } from '../deps.js';
import { showLatest } from './update-message.js';

/**
 * `pause.voted` (queued once per counted vote, run by one replica): every message of the pause
 * shows the approvals so far ("1 of 2 approvals — <@U…> ✓") and keeps its buttons. A pause that
 * ended meanwhile is left to `pause.ended`.
 */
export function pauseVotedJob(deps: SlackDeps): JobHandler<typeof JobKind.pauseVoted> {
  return async (job) => {
    const pause = await deps.service.get(job.data.pause_id);
    if (pause?.status !== 'pending') return;
    await showLatest(deps, pause);
  };
}
