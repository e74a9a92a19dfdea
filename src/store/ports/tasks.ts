import type { Page } from './pauses.js';

/**
 * An MCP task: a handle on one pause, owned by the API key that created it. The task's
 * state is the pause's; the record only maps the task id to the pause and the key.
 */
export interface TaskRecord {
  task_id: string;
  pause_id: string;
  /** The API key's name, as on the pause: another key's task reads as not found. */
  agent_id: string;
  created_at: string;
  /**
   * A tools/call through the MCP gateway, run as a task: absent for request_approval's tasks. Its
   * `pause_id` is empty when the call needed no human (a read-only tool, a refusal).
   */
  gateway?: GatewayTaskCall;
}

/**
 * The gateway call a task runs: the server and tool, the arguments as judged (JSON, forwarded
 * exactly), who forwards it once it is approved, and the result the agent is given (JSON). Each
 * of the last two is set once.
 */
export interface GatewayTaskCall {
  server: string;
  tool: string;
  arguments: string;
  /** A call answered at once is kept this long from creation (the client's ttl, bounded), not its pause's time. */
  ttl_ms?: number;
  forwarder?: string;
  result?: string;
}

/** `settled` now; `already` had a result (kept as it was); `not_found` no such live record of that key. */
export type SettleOutcome = 'settled' | 'already' | 'not_found';

export interface TaskListQuery {
  agentId: string;
  limit: number;
  /** From the previous page's `next_cursor`; one this store did not give is `invalid`. */
  cursor?: string;
}

/**
 * The task records, in the store so any replica answers `tasks/*`. A record is kept until
 * `retainUntilMs`, then reads as absent (and may be dropped at any time after).
 */
export interface TaskStore {
  createTask(task: TaskRecord, retainUntilMs: number): Promise<void>;
  /** The record, when it exists, is not past its retention, and belongs to `agentId`; else null. */
  getTask(agentId: string, taskId: string): Promise<TaskRecord | null>;
  /** The agent's tasks, newest first. `next_cursor` is null on the last page. */
  listTasks(query: TaskListQuery): Promise<Page<TaskRecord> | 'invalid_cursor'>;
  /**
   * Gives a gateway task its result, once, atomically: the first result stays, whoever races.
   * A record without `gateway` is `not_found`.
   */
  settleTask(agentId: string, taskId: string, result: string): Promise<SettleOutcome>;
  /**
   * Names who forwards a gateway task's approved call, once: the first holder stays, so of two
   * tasks/result racing on one task only one calls the upstream.
   */
  holdTaskForward(agentId: string, taskId: string, holder: string): Promise<SettleOutcome>;
}
