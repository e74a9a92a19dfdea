import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import {
  type CallToolResult,
  type CreateTaskResult,
  ErrorCode,
  type GetTaskResult,
  RELATED_TASK_META_KEY,
  type Task,
} from '@modelcontextprotocol/sdk/types.js';
import type { Pause } from '../domain/pause.js';
import { JsonRpcError } from '../mcp/json-rpc-error.js';
import { newTaskId, parseParams, TASK_POLL_INTERVAL_MS, TASK_RESULT_WAIT_SECONDS, taskIdParams } from '../mcp/tasks.js';
import { RETENTION_MS } from '../store/ports/pauses.js';
import type { TaskRecord, TaskStore } from '../store/ports/tasks.js';
import type { ApprovalService } from '../use-cases/approval-service.js';
import { concludeGatewayCall, type GatewayCallDeps, judgeGatewayCall } from './call-tool.js';
import type { Upstream } from './upstream.js';

/**
 * A gateway tools/call run as an MCP task (the client sent `task`): the call is judged at once and
 * answered with the task; a human decides meanwhile; tasks/result forwards an approved call, once,
 * and gives the upstream's result, the same result every time it is asked. The task lives in the
 * store (the call as judged, who forwards it, its result), so any replica answers any tasks/* call.
 * A call that needs no human (a read-only tool, a refusal) is concluded before the task is
 * returned, which is then already completed.
 */
export interface GatewayTaskDeps extends GatewayCallDeps {
  service: GatewayCallDeps['service'] & Pick<ApprovalService, 'getOwn' | 'cancel'>;
  tasks: TaskStore;
}

/** How often a tasks/result that found another forwarding the call looks for its result. */
const FORWARDED_POLL_MS = 200;

/** The tasks of one API key on one gateway server; another key's or another server's task is "not found". */
export class GatewayTasks {
  constructor(
    private readonly deps: GatewayTaskDeps,
    private readonly agentId: string,
    private readonly upstream: Upstream,
  ) {}

  /** tools/call with `task`: the task, working while a human decides, completed when none was needed. */
  async start(name: string, args: Record<string, unknown>): Promise<CreateTaskResult> {
    const taskId = newTaskId();
    const claimant = claimantOf(taskId);
    const judged = await judgeGatewayCall(this.deps, this.agentId, this.upstream, name, args, claimant, undefined);
    const answer = 'result' in judged ? undefined : judged.answer;
    const pause = answer?.pause_id ? await this.deps.service.getOwn(this.agentId, answer.pause_id) : null;
    const now = this.deps.now();
    const record: TaskRecord = {
      task_id: taskId,
      pause_id: pause?.pause_id ?? '',
      agent_id: this.agentId,
      created_at: new Date(now).toISOString(),
      gateway: { server: this.upstream.name, tool: name, arguments: JSON.stringify(args) },
    };
    // Kept as long as its pause may be, or the retention of a finished pause from now.
    await this.deps.tasks.createTask(record, (pause ? Date.parse(pause.expires_at) : now) + RETENTION_MS);
    if ('result' in judged || judged.answer.decision !== 'pending') {
      const result =
        'result' in judged
          ? judged.result
          : await concludeGatewayCall(
              this.deps,
              this.agentId,
              this.upstream,
              judged,
              judged.answer,
              claimant,
              undefined,
            );
      await this.deps.tasks.holdTaskForward(this.agentId, taskId, claimant);
      await this.deps.tasks.settleTask(this.agentId, taskId, JSON.stringify(result));
    }
    const { task } = await this.read(taskId);
    return {
      task,
      _meta: {
        'io.modelcontextprotocol/model-immediate-response':
          task.status === 'working'
            ? `Waiting for a human to approve ${name} (pause ${record.pause_id}); the result comes with this task.`
            : `${name} was answered at once; read the task's result.`,
      },
    };
  }

  /** tasks/get. */
  async get(params: unknown): Promise<GetTaskResult> {
    return (await this.read(parseTaskId(params))).task;
  }

  /**
   * tasks/result: waits for the decision (as long as check_approval's longest wait, then
   * RequestTimeout), forwards an approved call once, and gives the result it recorded.
   */
  async result(params: unknown, signal: AbortSignal): Promise<CallToolResult> {
    const taskId = parseTaskId(params);
    const record = await this.load(taskId);
    const recorded = resultOf(record);
    if (recorded) return related(recorded, taskId);
    const call = record.gateway;
    if (!call || record.pause_id === '')
      throw new JsonRpcError(ErrorCode.InternalError, `Task ${taskId} has no result and no pause to wait on`);
    const answer = await this.deps.service.awaitToolCall(
      this.agentId,
      record.pause_id,
      TASK_RESULT_WAIT_SECONDS * 1000,
      signal,
    );
    if (answer.decision === 'pending')
      throw new JsonRpcError(
        ErrorCode.RequestTimeout,
        `Task ${taskId} is still working: no decision yet. Call tasks/result again, or poll tasks/get.`,
      );
    const pause = await this.deps.service.getOwn(this.agentId, record.pause_id);
    if (pause?.status === 'cancelled') throw new JsonRpcError(ErrorCode.InvalidParams, `Task ${taskId} was cancelled`);
    // Of two tasks/result racing, one forwards; the other waits for the result it records.
    const holder = `${claimantOf(taskId)}:${randomUUID()}`;
    // Once held, the call is forwarded and its result recorded even if this client goes away:
    // the next tasks/result finds it.
    const held = await this.deps.tasks.holdTaskForward(this.agentId, taskId, holder);
    if (held === 'not_found') throw notFound(taskId);
    if (held === 'already') return related(await this.forwardedElsewhere(taskId, signal), taskId);
    const result = await concludeGatewayCall(
      this.deps,
      this.agentId,
      this.upstream,
      {
        name: call.tool,
        readOnly: false,
        call: { tool: qualified(this.upstream, call.tool), input: argumentsOf(call.arguments) },
      },
      answer,
      claimantOf(taskId),
      undefined,
    );
    await this.deps.tasks.settleTask(this.agentId, taskId, JSON.stringify(result));
    const settled = resultOf(await this.load(taskId));
    return related(settled ?? result, taskId);
  }

  /** tasks/cancel: withdraws the approval while it is pending; an ended task cannot be cancelled. */
  async cancel(params: unknown): Promise<GetTaskResult> {
    const taskId = parseTaskId(params);
    const { record, task } = await this.read(taskId);
    if (task.status !== 'working')
      throw new JsonRpcError(ErrorCode.InvalidParams, `Cannot cancel task in terminal status: ${task.status}`);
    const outcome = await this.deps.service.cancel(this.agentId, {
      pause_id: record.pause_id,
      reason: 'Withdrawn by the agent (tasks/cancel of a gateway call).',
    });
    const after = await this.read(taskId);
    if (!outcome.cancelled)
      throw new JsonRpcError(ErrorCode.InvalidParams, `Cannot cancel task in terminal status: ${after.task.status}`);
    return after.task;
  }

  private async read(taskId: string): Promise<{ record: TaskRecord; task: Task }> {
    const record = await this.load(taskId);
    const pause = record.pause_id === '' ? null : await this.deps.service.getOwn(this.agentId, record.pause_id);
    return { record, task: taskOf(record, pause) };
  }

  private async load(taskId: string): Promise<TaskRecord> {
    const record = await this.deps.tasks.getTask(this.agentId, taskId);
    if (!record?.gateway || record.gateway.server !== this.upstream.name) throw notFound(taskId);
    return record;
  }

  private async forwardedElsewhere(taskId: string, signal: AbortSignal): Promise<CallToolResult> {
    const deadline = this.deps.now() + TASK_RESULT_WAIT_SECONDS * 1000;
    while (!signal.aborted && this.deps.now() < deadline) {
      const recorded = resultOf(await this.load(taskId));
      if (recorded) return recorded;
      await delay(FORWARDED_POLL_MS, undefined, { signal }).catch(() => undefined);
    }
    throw new JsonRpcError(
      ErrorCode.RequestTimeout,
      `Task ${taskId}: the approved call is being forwarded by another request; call tasks/result again`,
    );
  }
}

function claimantOf(taskId: string): string {
  return `gateway-task:${taskId}`;
}

function qualified(upstream: Upstream, tool: string): string {
  return `mcp__${upstream.name}__${tool}`;
}

function argumentsOf(json: string): Record<string, unknown> {
  const value = JSON.parse(json) as unknown;
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function resultOf(record: TaskRecord): CallToolResult | undefined {
  const raw = record.gateway?.result;
  return raw === undefined ? undefined : (JSON.parse(raw) as CallToolResult);
}

function related(result: CallToolResult, taskId: string): CallToolResult {
  return { ...result, _meta: { ...result._meta, [RELATED_TASK_META_KEY]: { taskId } } };
}

function parseTaskId(params: unknown): string {
  return parseParams(taskIdParams, params).taskId;
}

const notFound = (taskId: string) => new JsonRpcError(ErrorCode.InvalidParams, `Task not found: ${taskId}`);

/**
 * The task as it stands: completed once it has a result, or once its pause ended (tasks/result then
 * forwards an approved call); cancelled with its pause; working while a human decides.
 */
function taskOf(record: TaskRecord, pause: Pause | null): Task {
  const created = Date.parse(record.created_at);
  const base = {
    taskId: record.task_id,
    createdAt: record.created_at,
    pollInterval: TASK_POLL_INTERVAL_MS,
    ttl: Math.max(0, (pause ? Date.parse(pause.expires_at) : created) + RETENTION_MS - created),
  };
  const ended = pause?.ended_at ?? pause?.response?.responded_at;
  const lastUpdatedAt = ended && Date.parse(ended) > created ? ended : record.created_at;
  if (record.gateway?.result !== undefined)
    return { ...base, status: 'completed', lastUpdatedAt, statusMessage: 'Done: read the result with tasks/result.' };
  if (!pause)
    return { ...base, status: 'failed', lastUpdatedAt, statusMessage: 'The call was not completed (no result).' };
  switch (pause.status) {
    case 'pending':
      return {
        ...base,
        status: 'working',
        lastUpdatedAt,
        statusMessage: `Waiting for a human decision (pause ${pause.pause_id}) until ${pause.expires_at}.`,
      };
    case 'cancelled':
      return { ...base, status: 'cancelled', lastUpdatedAt, statusMessage: 'The approval was withdrawn.' };
    default:
      return {
        ...base,
        status: 'completed',
        lastUpdatedAt,
        statusMessage:
          pause.status === 'responded' && pause.response?.decision === 'approved'
            ? 'Approved: tasks/result forwards the call, once, and returns the upstream result.'
            : 'Not approved: tasks/result says why; the upstream is not called.',
      };
  }
}

/** The gateway server's tasks capability: tools/call as a task, tasks/get, tasks/result, tasks/cancel. */
export const GATEWAY_TASKS_CAPABILITY = { cancel: {}, requests: { tools: { call: {} } } };
