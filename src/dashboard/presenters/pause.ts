import type { Logger } from 'pino';
import { awayOn, hasVoted, identityCheck, voteNoticeText, voterKeys } from '../../domain/approvals/index.js';
import { awayNotice, type Delegation } from '../../domain/delegation.js';
import { PAUSE_ID_PATTERN } from '../../domain/ids.js';
import type { Pause } from '../../domain/pause.js';
import { type ToolCallView, toolCallView } from '../../domain/tool-call-view.js';
import { JWKS_PATH } from '../../receipts/jwks-route.js';
import type { AuditLog } from '../../store/ports/audit.js';
import { mayDecideOnWeb, maySee, type Viewer } from '../access.js';
import { channelWords } from '../views/parts.js';
import type { TimelineEntry } from '../views/pause.js';

export interface PauseView {
  pause: Pause;
  /** Undefined when the audit log could not be read. */
  timeline: TimelineEntry[] | undefined;
  nowMs: number;
  /** Where the receipt's public keys are published: `PUBLIC_URL/.well-known/jwks.json`. */
  jwksUrl: string;
  /** The viewer may vote on it here: show the form. */
  decidable: boolean;
  /** Why a viewer who may decide it gets no form: they voted already, or maker-checker. */
  standing?: string;
  /** A tool-call pause: the call in full (this page is where Slack and the e-mail send for what they cut). */
  toolCall?: ToolCallView;
  /** "Sarah is away until … — Bob decides for them": one line per away approver of a pending request (plain text). */
  away?: string[];
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
  deps: {
    store: Pick<AuditLog, 'pauseTimeline'>;
    now: () => number;
    logger: Logger;
    publicUrl: string;
    /** The delegations in force, for who is away and who decides for them. */
    delegations?: () => Promise<Delegation[]>;
  },
  pause: Pause,
  viewer: Viewer,
): Promise<PauseView> {
  const nowMs = deps.now();
  const away =
    pause.status === 'pending' && deps.delegations
      ? awayOn(pause, await deps.delegations(), nowMs).map((d) => awayNotice(d))
      : [];
  const canDecide = pause.status === 'pending' && mayDecideOnWeb(pause, viewer, nowMs);
  const standing = canDecide ? standingOf(pause, viewer) : undefined;
  return {
    pause,
    timeline: await timelineOf(deps, pause),
    nowMs,
    jwksUrl: `${deps.publicUrl}${JWKS_PATH}`,
    decidable: canDecide && !standing,
    ...(standing ? { standing } : {}),
    ...(pause.tool_call ? { toolCall: toolCallView(pause.tool_call, pause.agent_id) } : {}),
    ...(away.length > 0 ? { away } : {}),
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
  pause: Pause,
): Promise<TimelineEntry[] | undefined> {
  const pauseId = pause.pause_id;
  const labels = Object.fromEntries((pause.request.response_fields ?? []).map((f) => [f.name, f.label]));
  try {
    const entries = await deps.store.pauseTimeline(pauseId);
    return timelineEntries(
      entries.flatMap((entry) => {
        try {
          return [JSON.parse(entry.body) as unknown];
        } catch {
          return [];
        }
      }),
      labels,
    );
  } catch (error) {
    deps.logger.warn(
      { err: error instanceof Error ? error.message : String(error), pause_id: pauseId },
      'audit timeline unavailable',
    );
    return undefined;
  }
}

/**
 * The audit entries of one pause (parsed bodies, in order) as a timeline a person reads: when, in
 * UTC, with the day shown where it changes; what happened and who did it, in words; the entry
 * itself kept for the raw toggle.
 */
export function timelineEntries(bodies: unknown[], fieldLabels: Record<string, string> = {}): TimelineEntry[] {
  let day = '';
  return bodies.map((raw) => {
    const body = (raw !== null && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
    const atMs = typeof body.at === 'number' ? body.at : Date.parse(String(body.at ?? ''));
    const iso = Number.isNaN(atMs) ? String(body.at ?? '') : new Date(atMs).toISOString();
    const thisDay = iso.slice(0, 10);
    const showDay = thisDay !== day;
    day = thisDay;
    const { what, detail } = describe(
      String(body.type ?? ''),
      String(body.actor ?? ''),
      (body.data !== null && typeof body.data === 'object' ? body.data : {}) as Record<string, unknown>,
      fieldLabels,
    );
    return {
      at: iso,
      time: Number.isNaN(atMs) ? iso : iso.slice(11, 19),
      ...(showDay && !Number.isNaN(atMs) ? { day: thisDay } : {}),
      what,
      ...(detail ? { detail } : {}),
      raw,
    };
  });
}

function describe(
  type: string,
  actor: string,
  data: Record<string, unknown>,
  fieldLabels: Record<string, string>,
): { what: string; detail?: string } {
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const list = (v: unknown) => (Array.isArray(v) ? v.map(String).join(', ') : undefined);
  const surface = data.surface === 'slack' ? 'in Slack' : data.surface === 'email' ? 'by e-mail' : '';
  const step = typeof data.step === 'number' ? ` ${data.step + 1}` : '';
  const by = actor && actor !== 'system' ? ` by ${actor}` : '';
  switch (type) {
    case 'pause.created': {
      const to = [text(data.recipient_email), text(data.recipient_slack)].filter((v) => v !== undefined);
      const parts = [
        to.length > 0 ? `to ${to.join(' and ')}` : undefined,
        list(data.approvers) ? `approvers ${list(data.approvers)}` : undefined,
        typeof data.quorum === 'number' ? `${data.quorum} approvals needed` : undefined,
        text(data.policy_rule) ? `rule ${text(data.policy_rule)}` : undefined,
      ].filter((v) => v !== undefined);
      return { what: `created${by}`, ...(parts.length > 0 ? { detail: parts.join(' · ') } : {}) };
    }
    case 'pause.delivered':
      return {
        what: data.surface === 'slack' ? 'posted to Slack' : data.surface === 'email' ? 'e-mailed' : 'delivered',
      };
    case 'pause.delivery_failed':
      return {
        what:
          data.surface === 'slack'
            ? 'posting to Slack failed'
            : data.surface === 'email'
              ? 'e-mail failed'
              : 'delivery failed',
        ...(text(data.error) ? { detail: text(data.error) } : {}),
      };
    case 'pause.reminded':
      return { what: `reminder${step} ${surface ? `sent ${surface}` : 'sent'}` };
    case 'pause.escalated':
      return { what: `escalated${step ? ` (step${step})` : ''}${surface ? ` ${surface}` : ''}` };
    case 'pause.voted': {
      // The voter's answers to the response fields, by their labels, then the comment.
      const answers =
        data.fields !== null && typeof data.fields === 'object'
          ? Object.entries(data.fields as Record<string, unknown>).map(
              ([name, value]) => `${Object.hasOwn(fieldLabels, name) ? fieldLabels[name] : name}: ${String(value)}`,
            )
          : [];
      const detail = [...answers, ...(text(data.comment) ? [`“${text(data.comment)}”`] : [])].join(' · ');
      return {
        what: `${text(data.decision) ?? 'voted'}${by} via ${channelWords(data.channel)}`,
        ...(detail ? { detail } : {}),
      };
    }
    case 'pause.decided':
      return {
        what: `decision signed: ${text(data.decision) ?? '?'}`,
        ...(typeof data.approvals === 'number' && data.approvals > 1 ? { detail: `${data.approvals} approvals` } : {}),
      };
    case 'pause.policy_decided':
      return { what: `${text(data.decision) ?? 'decided'} by ${actor.replace(/^policy:/, 'policy rule ')}` };
    case 'tool.remembered':
      return { what: 'the same call ran again without asking (approved for this session)' };
    case 'tool.forwarded':
      return { what: 'forwarded to the MCP server' };
    case 'pause.timed_out':
      return { what: 'timed out: nobody decided in time' };
    case 'pause.cancelled':
      return { what: `cancelled${by}`, ...(text(data.reason) ? { detail: `reason: ${text(data.reason)}` } : {}) };
    default:
      return { what: `${type}${by}` };
  }
}
