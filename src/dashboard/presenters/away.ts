import { type Delegation, sameHuman } from '../../domain/delegation.js';
import type { Viewer } from '../access.js';

/** One delegation as the Away page shows it. */
export interface AwayRow {
  absent: string;
  delegate: string;
  until: string;
  set_by: string;
}

export interface AwayView {
  /** The viewer's own delegation, when they are away. */
  mine?: AwayRow;
  /** Those naming the viewer as delegate: they decide for these people now. */
  standingIn: AwayRow[];
  /** Admins: every delegation in force (they may end any, or set one for anyone). */
  all?: AwayRow[];
  admin: boolean;
}

const row = (d: Delegation): AwayRow => ({ absent: d.absent, delegate: d.delegate, until: d.until, set_by: d.set_by });

/** The Away page: the viewer's own delegation and whom they stand in for; for admins every one in force. */
export function presentAway(viewer: Viewer, delegations: readonly Delegation[]): AwayView {
  const isMe = (id: string) => viewer.identities.some((mine) => sameHuman(mine, id));
  const mine = delegations.find((d) => isMe(d.absent));
  return {
    ...(mine ? { mine: row(mine) } : {}),
    standingIn: delegations.filter((d) => isMe(d.delegate)).map(row),
    ...(viewer.admin ? { all: delegations.map(row) } : {}),
    admin: viewer.admin,
  };
}

/**
 * The form's `until`: a `datetime-local` value (read as UTC, which the page says) or a full ISO
 * time; undefined for anything else (the use case then names the field).
 */
export function untilFromForm(value: unknown): string {
  if (typeof value !== 'string') return '';
  const text = value.trim();
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(text) ? `${text.length === 16 ? `${text}:00` : text}Z` : text;
}
