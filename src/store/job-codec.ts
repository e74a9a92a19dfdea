import {
  JobKind,
  type JobKindName,
  REPORTED_EVENT_TYPES,
  type ReportedEventDetail,
  type ReportedEventType,
  STEP_KINDS,
} from '../jobs/job-kinds.js';
import type { Job, NewJob } from './ports/jobs.js';

/**
 * A job's body as the Redis store keeps it (the job data hash, by id): its kind and its data, flat,
 * `{"kind":"slack.remind","pause_id":"…","step":1}`. Flat because that is what the versions before
 * `data` wrote and read (kind, pause_id, step): those bodies read as they are, and a replica still
 * on such a version reads this version's bodies, ignoring the fields it does not know.
 */
export function encodeJob(job: Pick<NewJob, 'kind' | 'data'>): string {
  return JSON.stringify({ kind: job.kind, ...job.data });
}

/**
 * The one reader of stored job bodies, of this version and of the previous one. Before jobs carried
 * data, a `webhook.event` or `webhook.deliver` body held only its kind and pause id, and the rest
 * was in the job's id: for such a body, and only here, the id is read. Undefined for a body no
 * version wrote (the store drops it). A kind this version does not know (a newer replica's, in a
 * rolling deploy) is returned as it is: the runner leaves it to a replica that handles it.
 */
export function decodeJob(id: string, json: string): Pick<Job, 'kind' | 'data'> | undefined {
  let body: unknown;
  try {
    body = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const { kind, ...data } = body as Record<string, unknown>;
  if (typeof kind !== 'string' || typeof data.pause_id !== 'string') return undefined;
  const pause_id = data.pause_id;
  if (STEP_KINDS.has(kind)) {
    if (!Number.isInteger(data.step)) return undefined;
    return { kind, data: { pause_id, step: data.step as number } } as Pick<Job, 'kind' | 'data'>;
  }
  if (kind === JobKind.webhookEvent) {
    const event = isReportedEvent(data) ? data : legacyReportedEvent(id);
    return event && { kind, data: { pause_id, type: event.type, detail: event.detail } };
  }
  if (kind === JobKind.webhookDeliver) {
    const delivery =
      typeof data.endpoint_id === 'string' && typeof data.event_id === 'string'
        ? { endpoint_id: data.endpoint_id, event_id: data.event_id }
        : legacyDelivery(id);
    return delivery && { kind, data: { pause_id, ...delivery } };
  }
  if (kind === JobKind.emailDelegate) {
    return typeof data.delegate === 'string' ? { kind, data: { pause_id, delegate: data.delegate } } : undefined;
  }
  if (isKnownKind(kind)) return { kind, data: { pause_id } } as Pick<Job, 'kind' | 'data'>;
  return { kind, data } as unknown as Pick<Job, 'kind' | 'data'>;
}

const KINDS: ReadonlySet<string> = new Set(Object.values(JobKind));

function isKnownKind(kind: string): kind is JobKindName {
  return KINDS.has(kind);
}

function isReportedEvent(
  data: Record<string, unknown>,
): data is { type: ReportedEventType; detail: ReportedEventDetail } {
  if (!(REPORTED_EVENT_TYPES as readonly unknown[]).includes(data.type)) return false;
  const detail = data.detail as Record<string, unknown> | null | undefined;
  if (typeof detail !== 'object' || detail === null) return false;
  return data.type === 'pause.delivered'
    ? detail.channel === 'slack' || detail.channel === 'email'
    : Number.isInteger(detail.step);
}

/** `webhook.event:<type>:<pause id>:<channel or step>`, as the previous version named these jobs. */
function legacyReportedEvent(id: string): { type: ReportedEventType; detail: ReportedEventDetail } | undefined {
  const [kind, type, pauseId, key, ...rest] = id.split(':');
  if (kind !== JobKind.webhookEvent || !pauseId || !key || rest.length > 0) return undefined;
  if (!(REPORTED_EVENT_TYPES as readonly string[]).includes(type ?? '')) return undefined;
  if (type === 'pause.delivered') {
    return key === 'slack' || key === 'email' ? { type, detail: { channel: key } } : undefined;
  }
  if (!/^\d{1,4}$/.test(key)) return undefined;
  return { type: type as ReportedEventType, detail: { step: Number(key) } };
}

/** `webhook.deliver:<endpoint id>:<event id>`, as the previous version named these jobs. */
function legacyDelivery(id: string): { endpoint_id: string; event_id: string } | undefined {
  const match = /^webhook\.deliver:([^:]+):(.+)$/.exec(id);
  return match?.[1] && match[2] ? { endpoint_id: match[1], event_id: match[2] } : undefined;
}
