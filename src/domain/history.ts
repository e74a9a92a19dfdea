import type { Pause } from './pause.js';
import type { DecisionChannel, PauseState } from './vocabulary.js';

/** The dashboard's history filters, as both stores apply them to each pause. */
export interface HistoryFilter {
  status?: PauseState;
  agentId?: string;
  /** The decision's channel (slack, email, web, policy). */
  channel?: DecisionChannel;
  /** The policy rule that matched. */
  rule?: string;
  /** Created at or after / before (ms). */
  fromMs?: number;
  toMs?: number;
  /** Case-insensitive substring of the action, its details, the responder, the comment or the id. */
  text?: string;
}

export function matchesHistory(pause: Pause, filter: HistoryFilter): boolean {
  if (filter.status !== undefined && pause.status !== filter.status) return false;
  if (filter.agentId !== undefined && pause.agent_id !== filter.agentId) return false;
  if (filter.channel !== undefined && pause.response?.channel !== filter.channel) return false;
  if (filter.rule !== undefined && pause.policy_rule !== filter.rule) return false;
  const createdMs = Date.parse(pause.created_at);
  if (filter.fromMs !== undefined && createdMs < filter.fromMs) return false;
  if (filter.toMs !== undefined && createdMs >= filter.toMs) return false;
  if (filter.text !== undefined && filter.text !== '') {
    const needle = filter.text.toLowerCase();
    const { request, response } = pause;
    const haystack = [
      request.action_description,
      ...Object.entries(request.action_details).flat(),
      response?.responder ?? '',
      response?.comment ?? '',
      pause.pause_id,
    ];
    if (!haystack.some((text) => text.toLowerCase().includes(needle))) return false;
  }
  return true;
}
