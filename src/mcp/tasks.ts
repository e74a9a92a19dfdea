import {
  type CallToolResult,
  type CreateTaskResult,
  ErrorCode,
  type GetTaskResult,
  type ListTasksResult,
  RELATED_TASK_META_KEY,
  type Task,
} from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { LoopPauseError } from '../domain/errors.js';
import { newPauseId } from '../domain/ids.js';
import type { Pause, PauseView } from '../domain/pause.js';
import { type PauseState, stateOf } from '../domain/vocabulary.js';
import { RETENTION_MS } from '../store/ports/pauses.js';
import type { TaskRecord, TaskStore } from '../store/ports/tasks.js';
import type { CancelResult } from '../use-cases/cancel.js';
import { JsonRpcError } from './json-rpc-error.js';

/**
 * MCP tasks over pauses. A task is a record in the store (task id → pause id and API
 * key); its status is the pause's, read fresh on every call, so any replica answers any tasks/*
 * call and nothing lives in the process. tasks/result waits through the same long-poll as
 * check_approval and returns the same object.
 *
 * The SDK's own task plumbing (a TaskStore handed to the Server) is not used: it scopes tasks by
 * MCP session, which a stateless server has none of (every key would see every task); its
 * tasks/result polls the store at pollInterval instead of waking on the decision; and it keeps a
 * second copy of the result beside the pause, which could disagree with it. The SDK's schemas,
 * types and capability checks are used as they are.
 */

/** How often a client should poll tasks/get. tasks/result needs no polling: it wakes on the decision. */
export const TASK_POLL_INTERVAL_MS = 2_000;
/** tasks/result holds the call this long (as check_approval's longest wait), then answers RequestTimeout. */
export const TASK_RESULT_WAIT_SECONDS = 50;
/** tasks/list page size. */
export const TASK_PAGE_SIZE = 50;

export const TASK_ID_PATTERN = /^tsk_[a-z2-7]{26}$/;

/** Same randomness and alphabet as pause ids (130 bits), another prefix. */
export function newTaskId(): string {
  return `tsk_${newPauseId().slice('pse_'.length)}`;
}

/** What tasks use of the service: its public methods, nothing else. */
export interface TaskPauses {
  /**
   * The agent's own pause, with its status as of now, null for any other; an ended one once the
   * store's replicas hold it (`ApprovalService.getOwn`).
   */
  getOwn(agentId: string, pauseId: string): Promise<Pause | null>;
  /** check_approval (`ApprovalService.check`). */
  check(agentId: string, args: unknown, signal?: AbortSignal): Promise<PauseView>;
  /** cancel_approval (`ApprovalService.cancel`). */
  cancel(agentId: string, args: unknown): Promise<CancelResult>;
}

/**
 * pending → working. responded → completed: a human answered, approved or rejected; the agent
 * reads `response.decision` in the result. timed_out → failed: nobody decided before
 * `expires_at`, the request did not get what it asked for (its result carries `isError: true`).
 * cancelled (by tasks/cancel or cancel_approval; `expired` in check_approval) → cancelled.
 */
export const TASK_STATUS: Record<PauseState, Task['status']> = {
  pending: 'working',
  responded: 'completed',
  timed_out: 'failed',
  cancelled: 'cancelled',
};

export const taskIdParams = z.looseObject({
  taskId: z
    .string({ error: 'taskId: must be a string' })
    .max(200, 'taskId: not a LoopPause task id')
    .regex(TASK_ID_PATTERN, 'taskId: not a LoopPause task id (tsk_ and 26 letters a-z or digits 2-7)'),
});
const listParams = z
  .looseObject({ cursor: z.string({ error: 'cursor: must be a string' }).max(500, 'cursor: too long').optional() })
  .optional();

export function parseParams<S extends z.ZodType>(schema: S, params: unknown): z.output<S> {
  const result = schema.safeParse(params);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const message =
    issue?.path.length === 0 ? 'params: must be an object' : (issue?.message ?? 'params: invalid parameters');
  throw new JsonRpcError(ErrorCode.InvalidParams, message);
}

const notFound = (taskId: string) => new JsonRpcError(ErrorCode.InvalidParams, `Task not found: ${taskId}`);
const cannotCancel = (pause: Pause) =>
  new JsonRpcError(ErrorCode.InvalidParams, `Cannot cancel task in terminal status: ${TASK_STATUS[pause.status]}`);

/** The task store and the service, for every request; `forAgent` binds them to the calling key. */
export class McpTasks {
  constructor(
    private readonly store: TaskStore,
    private readonly pauses: TaskPauses,
    private readonly now: () => number = Date.now,
  ) {}

  forAgent(agentId: string): AgentTasks {
    return new AgentTasks(this.store, this.pauses, this.now, agentId);
  }
}

/** One API key's view of its tasks: another key's task id is "not found", as an unknown one is. */
export class AgentTasks {
  constructor(
    private readonly store: TaskStore,
    private readonly pauses: TaskPauses,
    private readonly now: () => number,
    readonly agentId: string,
  ) {}

  /** After request_approval created (or, with an idempotency key, found) the pause. */
  async create(pauseId: string): Promise<CreateTaskResult> {
    const { record, pause } = await this.createRecord(pauseId);
    return {
      task: taskOf(record, pause),
      _meta: {
        'io.modelcontextprotocol/model-immediate-response':
          `Approval requested (pause ${pauseId}). Do not perform the action until this task completes ` +
          'with response.decision "approved".',
      },
    };
  }

  /**
   * The record is in the store before this returns, so a tasks/get on any replica finds it at once.
   * The same record serves both protocol eras: only the wire shape differs.
   */
  private async createRecord(pauseId: string): Promise<{ record: TaskRecord; pause: Pause }> {
    const pause = await this.pauses.getOwn(this.agentId, pauseId);
    if (!pause) throw new JsonRpcError(ErrorCode.InternalError, 'the pause vanished as its task was created');
    const record: TaskRecord = {
      task_id: newTaskId(),
      pause_id: pauseId,
      agent_id: this.agentId,
      created_at: new Date(this.now()).toISOString(),
    };
    // Kept as long as the pause may be: its deadline plus the retention of finished pauses.
    await this.store.createTask(record, Date.parse(pause.expires_at) + RETENTION_MS);
    return { record, pause };
  }

  // The tasks extension (io.modelcontextprotocol/tasks) of MCP 2026-07-28: the task's fields at the
  // top level of the result, tasks/get carries the final result itself (there is no tasks/result or
  // tasks/list), and tasks/update and tasks/cancel answer with an empty acknowledgement.

  /** request_approval's answer as a task: `resultType: "task"` and the task's fields. */
  async createTask(pauseId: string): Promise<ExtensionTask & { resultType: 'task' }> {
    const { record, pause } = await this.createRecord(pauseId);
    return { resultType: 'task', ...extensionTaskOf(record, pause) };
  }

  /** tasks/get: the task as the pause stands now, with check_approval's object as its result once it ended. */
  async getTask(params: unknown): Promise<DetailedExtensionTask> {
    const { record, pause } = await this.load(parseParams(taskIdParams, params).taskId);
    const task = extensionTaskOf(record, pause);
    if (pause.status === 'pending') return task;
    if (pause.status === 'cancelled') return task;
    const view = await this.pauses.check(this.agentId, { pause_id: record.pause_id, wait_seconds: 0 });
    return { ...task, result: this.toolResult(view) };
  }

  /**
   * tasks/update: an approval never asks the client for input (the human answers in Slack, by
   * e-mail or on the web page), so there is nothing outstanding and every response is ignored.
   * A task that is not this key's is "not found", as for tasks/get. (The SDK takes `inputResponses`
   * out of the params before this runs.)
   */
  async updateTask(params: unknown): Promise<Record<string, never>> {
    const { taskId } = parseParams(taskIdParams, params);
    await this.load(taskId);
    return {};
  }

  /** tasks/cancel: withdraws a pending approval; a task that already ended is acknowledged and left as it is. */
  async cancelTask(params: unknown): Promise<Record<string, never>> {
    const { taskId } = parseParams(taskIdParams, params);
    const { record, pause } = await this.load(taskId);
    if (pause.status === 'pending')
      await this.pauses.cancel(this.agentId, {
        pause_id: record.pause_id,
        reason: 'Withdrawn by the agent (tasks/cancel).',
      });
    return {};
  }

  /** check_approval's object as the tool result; a request that timed out is a tool error, as in tasks/result. */
  private toolResult(view: PauseView): CallToolResult {
    return {
      content: [{ type: 'text', text: JSON.stringify(view) }],
      structuredContent: view as unknown as Record<string, unknown>,
      ...(stateOf(view.status) === 'timed_out' ? { isError: true } : {}),
    };
  }

  async get(params: unknown): Promise<GetTaskResult> {
    const { record, pause } = await this.load(parseParams(taskIdParams, params).taskId);
    return taskOf(record, pause);
  }

  async result(params: unknown, signal: AbortSignal): Promise<CallToolResult> {
    const { taskId } = parseParams(taskIdParams, params);
    const { record } = await this.load(taskId);
    let view: PauseView;
    try {
      view = await this.pauses.check(
        this.agentId,
        { pause_id: record.pause_id, wait_seconds: TASK_RESULT_WAIT_SECONDS },
        signal,
      );
    } catch (error) {
      if (error instanceof LoopPauseError && error.code === 'not_found') throw notFound(taskId);
      throw error;
    }
    if (view.status === 'pending')
      throw new JsonRpcError(
        ErrorCode.RequestTimeout,
        `Task ${taskId} is still working: no decision yet. Call tasks/result again, or poll tasks/get.`,
      );
    return {
      content: [{ type: 'text', text: JSON.stringify(view) }],
      structuredContent: view as unknown as Record<string, unknown>,
      ...(TASK_STATUS[stateOf(view.status)] === 'failed' ? { isError: true } : {}),
      _meta: { [RELATED_TASK_META_KEY]: { taskId } },
    };
  }

  async list(params: unknown): Promise<ListTasksResult> {
    const cursor = parseParams(listParams, params)?.cursor;
    const page = await this.store.listTasks({
      agentId: this.agentId,
      limit: TASK_PAGE_SIZE,
      ...(cursor !== undefined ? { cursor } : {}),
    });
    if (page === 'invalid_cursor')
      throw new JsonRpcError(
        ErrorCode.InvalidParams,
        'cursor: not a cursor this server gave (use nextCursor as returned)',
      );
    const pauses = await Promise.all(
      page.items.map((r) => (r.gateway ? null : this.pauses.getOwn(this.agentId, r.pause_id))),
    );
    const tasks: Task[] = [];
    for (const [i, record] of page.items.entries()) {
      const pause = pauses[i];
      if (pause && !record.gateway) tasks.push(taskOf(record, pause));
    }
    return { tasks, ...(page.next_cursor ? { nextCursor: page.next_cursor } : {}) };
  }

  async cancel(params: unknown): Promise<GetTaskResult> {
    const { taskId } = parseParams(taskIdParams, params);
    const { record, pause } = await this.load(taskId);
    if (pause.status !== 'pending') throw cannotCancel(pause);
    const outcome = await this.pauses.cancel(this.agentId, {
      pause_id: record.pause_id,
      reason: 'Withdrawn by the agent (tasks/cancel).',
    });
    // The record does not change; only the pause is read again, for its status as of now.
    const after = await this.loadPause(taskId, record);
    if (!outcome.cancelled) throw cannotCancel(after);
    return taskOf(record, after);
  }

  private async load(taskId: string): Promise<{ record: TaskRecord; pause: Pause }> {
    const record = await this.store.getTask(this.agentId, taskId);
    // A gateway call's task is its gateway server's to answer, not /mcp's.
    if (!record || record.gateway) throw notFound(taskId);
    return { record, pause: await this.loadPause(taskId, record) };
  }

  private async loadPause(taskId: string, record: TaskRecord): Promise<Pause> {
    const pause = await this.pauses.getOwn(this.agentId, record.pause_id);
    if (!pause) throw notFound(taskId);
    return pause;
  }
}

function endedAt(pause: Pause): string | undefined {
  if (pause.status === 'pending') return undefined;
  return (
    pause.ended_at ?? pause.response?.responded_at ?? (pause.status === 'timed_out' ? pause.expires_at : undefined)
  );
}

const STATUS_MESSAGE: Record<PauseState, (pause: Pause) => string> = {
  pending: (p) => `Waiting for a human decision until ${p.expires_at}. Do not perform the action yet.`,
  responded: (p) =>
    `A human decided: ${p.response?.decision ?? 'see the result'}. Read response.decision in tasks/result; act only on "approved".`,
  timed_out: (p) => `No human decided before ${p.expires_at} (timed_out). Do not perform the action.`,
  cancelled: () => 'The request was withdrawn (cancelled). Do not perform the action.',
};

/** The task as the pause stands now. `ttl`: how long after creation the task can still be read. */
export function taskOf(record: TaskRecord, pause: Pause): Task {
  const created = Date.parse(record.created_at);
  const ended = endedAt(pause);
  const retainedUntil = Date.parse(ended ?? pause.expires_at) + RETENTION_MS;
  return {
    taskId: record.task_id,
    status: TASK_STATUS[pause.status],
    ttl: Math.max(0, retainedUntil - created),
    createdAt: record.created_at,
    lastUpdatedAt: ended && Date.parse(ended) > created ? ended : record.created_at,
    pollInterval: TASK_POLL_INTERVAL_MS,
    statusMessage: STATUS_MESSAGE[pause.status](pause),
  };
}

/**
 * A task of the tasks extension (MCP 2026-07-28). Its status follows the pause as in 2025-11-25
 * tasks, with one difference the extension requires: `failed` is only for a JSON-RPC error, so a
 * request that timed out is `completed` with check_approval's object as a tool error
 * (`isError: true`), the very result tasks/result gives for it in 2025-11-25.
 */
export interface ExtensionTask {
  taskId: string;
  status: 'working' | 'completed' | 'cancelled';
  statusMessage: string;
  createdAt: string;
  lastUpdatedAt: string;
  ttlMs: number;
  pollIntervalMs: number;
}

/** tasks/get's answer: a task that ended carries the tool's result (a cancelled one carries none). */
export type DetailedExtensionTask = ExtensionTask & { result?: CallToolResult };

export const EXTENSION_TASK_STATUS: Record<PauseState, ExtensionTask['status']> = {
  pending: 'working',
  responded: 'completed',
  timed_out: 'completed',
  cancelled: 'cancelled',
};

export function extensionTaskOf(record: TaskRecord, pause: Pause): ExtensionTask {
  const task = taskOf(record, pause);
  return {
    taskId: task.taskId,
    status: EXTENSION_TASK_STATUS[pause.status],
    statusMessage: task.statusMessage ?? STATUS_MESSAGE[pause.status](pause),
    createdAt: task.createdAt,
    lastUpdatedAt: task.lastUpdatedAt,
    ttlMs: task.ttl ?? 0,
    pollIntervalMs: task.pollInterval ?? TASK_POLL_INTERVAL_MS,
  };
}
