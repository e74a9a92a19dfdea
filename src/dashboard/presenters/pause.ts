import type { Logger } from 'pino';
import { hasVoted, identityCheck, voteNoticeText, voterKeys } from '../../domain/approvals/index.js';
import { PAUSE_ID_PATTERN } from '../../domain/ids.js';
import type { Pause } from '../../domain/pause.js';
import type { AuditLog } from '../../store/ports/audit.js';
import { mayDecideOnWeb, maySee, type Viewer } from '../access.js';
import type { TimelineEntry } from '../views/pause.js';

export interface PauseView {
  pause: Pause;
  /** Undefined when the audit log could not be read. */
  timeline: TimelineEntry[] | undefined;
  nowMs: number;
  /** The viewer may vote on it here: show the form. */
  decidable: boolean;
  /** Why a viewer who may decide it gets no form: they voted already, or maker-checker. */
  standing?: string;
}

/** The pause behind `/pauses/:id`, when it exists and this viewer may see it. */
export async function loadVisiblePause(
  deps: { get(pauseId: string): Promise<Pause | null>; now: () => number },
  viewer: Viewer,
  id: string,
): Promise<Pause | undefined> {
  const pause = PAUSE_ID_PATTERN.test(id) ? await deps.get(id) : null;
  return pause && maySee(pause, viewer, deps.now()) ? pause : undefined;
}

/** A request's page: the pause, its audit timeline, and whether (or why not) this viewer gets the form. */
export async function presentPause(
  deps: { store: Pick<AuditLog, 'pauseTimeline'>; now: () => number; logger: Logger },
  pause: Pause,
  viewer: Viewer,
): Promise<PauseView> {
  const nowMs = deps.now();
  const canDecide = pause.status === 'pending' && mayDecideOnWeb(pause, viewer, nowMs);
  const standing = canDecide ? standingOf(pause, viewer) : undefined;
  return {
    pause,
    timeline: await timelineOf(deps, pause.pause_id),
    nowMs,
    decidable: canDecide && !standing,
    ...(standing ? { standing } : {}),
  };
}

/** Why this viewer gets no form on a pending pause they may decide: they voted already, or maker-checker. */
export function standingOf(pause: Pause, viewer: Viewer): string | undefined {
  if (hasVoted(pause.votes ?? [], voterKeys(viewer.identities))) return voteNoticeText('already_voted', pause);
  const maker = identityCheck(pause, viewer.identities);
  if (maker === 'owner') return voteNoticeText('owner', pause);
  if (maker === 'unverifiable') return voteNoticeText('unverifiable', pause);
  return undefined;
}

async function timelineOf(
  deps: { store: Pick<AuditLog, 'pauseTimeline'>; logger: Logger },
  pauseId: string,
): Promise<TimelineEntry[] | undefined> {
  try {
    const entries = await deps.store.pauseTimeline(pauseId);
    return entries.flatMap((entry) => {
      try {
        const body = JSON.parse(entry.body) as { at?: unknown; type?: unknown; actor?: unknown; data?: unknown };
        const at = typeof body.at === 'number' ? new Date(body.at).toISOString() : String(body.at ?? '');
        return [{ at, type: String(body.type ?? ''), actor: String(body.actor ?? ''), data: body.data }];
      } catch {
        return [];
      }
    });
  } catch (error) {
    deps.logger.warn(
      { err: error instanceof Error ? error.message : String(error), pause_id: pauseId },
      'audit timeline unavailable',
    );
    return undefined;
  }
}
