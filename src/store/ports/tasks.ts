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
}

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
}
