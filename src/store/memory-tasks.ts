import { decodeCursor, encodeCursor, isAfter } from './cursor.js';
import type { Page } from './ports/pauses.js';
import type { SettleOutcome, TaskListQuery, TaskRecord, TaskStore } from './ports/tasks.js';

/** MemoryTaskStore's state as plain data (memory-snapshot.ts). */
export interface MemoryTasksState {
  byId: [string, Held][];
  byAgent: [string, string[]][];
}

interface Held {
  task: TaskRecord;
  score: number;
  retainUntilMs: number;
}

/**
 * MCP task records for the embedded store (one process). Records past their retention read as
 * absent and are dropped on the next write or list of their agent; nothing runs on a timer.
 */
export class MemoryTaskStore implements TaskStore {
  private readonly byId = new Map<string, Held>();
  private readonly byAgent = new Map<string, Set<string>>();

  constructor(private readonly now: () => number = Date.now) {}

  async createTask(task: TaskRecord, retainUntilMs: number): Promise<void> {
    this.prune(task.agent_id);
    this.byId.set(task.task_id, { task: structuredClone(task), score: Date.parse(task.created_at), retainUntilMs });
    const ids = this.byAgent.get(task.agent_id) ?? new Set<string>();
    ids.add(task.task_id);
    this.byAgent.set(task.agent_id, ids);
  }

  async getTask(agentId: string, taskId: string): Promise<TaskRecord | null> {
    const held = this.byId.get(taskId);
    if (!held || held.task.agent_id !== agentId || held.retainUntilMs <= this.now()) return null;
    return structuredClone(held.task);
  }

  async settleTask(agentId: string, taskId: string, result: string): Promise<SettleOutcome> {
    return this.setOnce(agentId, taskId, 'result', result);
  }

  async holdTaskForward(agentId: string, taskId: string, holder: string): Promise<SettleOutcome> {
    return this.setOnce(agentId, taskId, 'forwarder', holder);
  }

  private setOnce(agentId: string, taskId: string, field: 'result' | 'forwarder', value: string): SettleOutcome {
    const held = this.byId.get(taskId);
    const call = held?.task.gateway;
    if (!held || !call || held.task.agent_id !== agentId || held.retainUntilMs <= this.now()) return 'not_found';
    if (call[field] !== undefined) return 'already';
    call[field] = value;
    return 'settled';
  }

  async listTasks(query: TaskListQuery): Promise<Page<TaskRecord> | 'invalid_cursor'> {
    const cursor = decodeCursor(query.cursor);
    if (query.cursor !== undefined && !cursor) return 'invalid_cursor';
    this.prune(query.agentId);
    const matching = [...(this.byAgent.get(query.agentId) ?? [])]
      .map((id) => this.byId.get(id))
      .filter((h): h is Held => h !== undefined && isAfter(h.score, h.task.task_id, cursor))
      .sort((a, b) => b.score - a.score || (a.task.task_id < b.task.task_id ? 1 : -1));
    const page = matching.slice(0, query.limit);
    const last = page.at(-1);
    return {
      items: page.map((h) => structuredClone(h.task)),
      next_cursor:
        matching.length > query.limit && last ? encodeCursor({ score: last.score, id: last.task.task_id }) : null,
    };
  }

  snapshot(): MemoryTasksState {
    return structuredClone({
      byId: [...this.byId],
      byAgent: [...this.byAgent].map(([agent, ids]): [string, string[]] => [agent, [...ids]]),
    });
  }

  /** Loads a snapshot into a fresh store. */
  restore(state: MemoryTasksState): void {
    const s = structuredClone(state);
    for (const [id, held] of s.byId) this.byId.set(id, held);
    for (const [agent, ids] of s.byAgent) this.byAgent.set(agent, new Set(ids));
  }

  private prune(agentId: string): void {
    const ids = this.byAgent.get(agentId);
    if (!ids) return;
    const now = this.now();
    for (const id of ids) {
      const held = this.byId.get(id);
      if (held && held.retainUntilMs > now) continue;
      ids.delete(id);
      this.byId.delete(id);
    }
    if (ids.size === 0) this.byAgent.delete(agentId);
  }
}
