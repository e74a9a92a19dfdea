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
import type { ToolCallAnswer } from '../domain/tool-calls.js';
import { JsonRpcError } from '../mcp/json-rpc-error.js';
import { toolError } from '../mcp/server.js';
import { newTaskId, parseParams, TASK_POLL_INTERVAL_MS, TASK_RESULT_WAIT_SECONDS, taskIdParams } from '../mcp/tasks.js';
import { RETENTION_MS } from '../store/ports/pauses.js';
import type { TaskRecord, TaskStore } from '../store/ports/tasks.js';
import type { ApprovalService } from '../use-cases/approval-service.js';
import { concludeGatewayCall, type GatewayCallDeps, type JudgedGatewayCall, judgeGatewayCall } from './call-tool.js';
import { CALL_TIMEOUT_MS, type Upstream } from './upstream.js';

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
  /** Told of an unexpected failure after a forwarder was held (logged by the router). */
  onFailure?: (error: unknown) => void;
}

/** How often a tasks/result that found another forwarding the call looks for its result. */
const FORWARDED_POLL_MS = 200;
/**
 * How long a task concluded at once is kept without the client's ttl, and at most: its result is
 * all it holds, and a client reads it straight away (the SDK's client asks at once).
 */
const CONCLUDED_TTL_MS = 60_000;
const MAX_CONCLUDED_TTL_MS = 10 * 60_000;
/** The largest result a task keeps (an ordinary call returns up to the upstream limit of 4 MB). */
export const MAX_KEPT_RESULT_BYTES = 1024 * 1024;
/** Past the upstream call timeout, how long before a forwarder without a result counts as gone. */
const FORWARD_MARGIN_MS = 30_000;

/** The tasks of one API key on one gateway server; another key's or another server's task is "not found". */
export class GatewayTasks {
  constructor(
    private readonly deps: GatewayTaskDeps,
    private readonly agentId: string,
    private readonly upstream: Upstream,
  ) {}

  /**
   * tools/call with `task`: the task, working while a human decides, completed when none was
   * needed. `ttlMs` is the client's `task.ttl`: a task concluded at once is kept that long (a
   * minute without one, ten at most), since its result is all it holds.
   */
  async start(name: string, args: Record<string, unknown>, ttlMs?: number): Promise<CreateTaskResult> {
    const taskId = newTaskId();
    const claimant = claimantOf(taskId);
    const judged = await judgeGatewayCall(this.deps, this.agentId, this.upstream, name, args, claimant, undefined);
    const waits = !('result' in judged) && judged.answer.decision === 'pending';
    const pauseId = 'result' in judged ? undefined : judged.answer.pause_id;
    const pause = pauseId ? await this.deps.service.getOwn(this.agentId, pauseId) : null;
    const now = this.deps.now();
    // A call that waits keeps its arguments (what is forwarded later) as long as its pause is kept;
    // one answered at once keeps only its result, for the client's ttl.
    const kept = waits && pause ? undefined : Math.min(Math.max(ttlMs ?? CONCLUDED_TTL_MS, 1000), MAX_CONCLUDED_TTL_MS);
    const record: TaskRecord = {
      task_id: taskId,
      pause_id: pause?.pause_id ?? '',
      agent_id: this.agentId,
      created_at: new Date(now).toISOString(),
      gateway: {
        server: this.upstream.name,
        tool: name.slice(0, 128),
        arguments: kept === undefined ? JSON.stringify(args) : '',
        ...(kept === undefined ? {} : { ttl_ms: kept }),
      },
    };
    await this.deps.tasks.createTask(record, now + ttlOf(record, pause));
    if (!waits) {
      // Held before forwarding, as in tasks/result: nothing else may forward this task meanwhile.
      await this.deps.tasks.holdTaskForward(this.agentId, taskId, holderOf(taskId, now));
      const result = 'result' in judged ? judged.result : await this.conclude(judged, judged.answer, claimant);
      await this.deps.tasks.settleTask(this.agentId, taskId, keptJson(result));
    }
    // A waiting task is as just written; one answered at once is read back with its result.
    const task = kept === undefined ? taskOf(record, pause, now) : (await this.read(taskId)).task;
    return {
      task,
      _meta: {
        'io.modelcontextprotocol/model-immediate-response':
          task.status === 'working'
            ? `Waiting for a human to approve ${record.gateway?.tool} (pause ${record.pause_id}); the result comes with this task.`
            : `${record.gateway?.tool} was answered at once; read the task's result.`,
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
    const holder = holderOf(taskId, this.deps.now());
    const held = await this.deps.tasks.holdTaskForward(this.agentId, taskId, holder);
    if (held === 'not_found') throw notFound(taskId);
    if (held === 'already') return related(await this.forwardedElsewhere(taskId, signal), taskId);
    // Once held, the call is forwarded and its result recorded even if this client goes away (no
    // signal): the next tasks/result finds it. The holder is the claimant too, so only this one
    // can use the approval. Whatever fails after the hold is recorded as the task's result, never
    // retried.
    const result = await this.conclude(
      {
        name: call.tool,
        readOnly: false,
        call: { tool: qualified(this.upstream, call.tool), input: argumentsOf(call.arguments) },
      },
      answer,
      holder,
    );
    await this.deps.tasks.settleTask(this.agentId, taskId, keptJson(result));
    return related(resultOf(await this.load(taskId)) ?? result, taskId);
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

  /**
   * The call concluded once its forwarder is held: forwarded or refused (concludeGatewayCall), with
   * no signal, so a client that goes away does not stop it. Whatever fails is the result, never retried.
   */
  private async conclude(
    judged: Pick<JudgedGatewayCall, 'name' | 'readOnly' | 'call'>,
    answer: ToolCallAnswer,
    claimant: string,
  ): Promise<CallToolResult> {
    try {
      return await concludeGatewayCall(this.deps, this.agentId, this.upstream, judged, answer, claimant, undefined);
    } catch (error) {
      this.deps.onFailure?.(error);
      return notCompleted();
    }
  }

  private async read(taskId: string): Promise<{ record: TaskRecord; task: Task }> {
    const record = await this.load(taskId);
    const pause = record.pause_id === '' ? null : await this.deps.service.getOwn(this.agentId, record.pause_id);
    return { record, task: taskOf(record, pause, this.deps.now()) };
  }

  private async load(taskId: string): Promise<TaskRecord> {
    const record = await this.deps.tasks.getTask(this.agentId, taskId);
    if (!record?.gateway || record.gateway.server !== this.upstream.name) throw notFound(taskId);
    return record;
  }

  private async forwardedElsewhere(taskId: string, signal: AbortSignal): Promise<CallToolResult> {
    const deadline = this.deps.now() + TASK_RESULT_WAIT_SECONDS * 1000;
    while (!signal.aborted && this.deps.now() < deadline) {
      const record = await this.load(taskId);
      const recorded = resultOf(record);
      if (recorded) return recorded;
      if (interrupted(record, this.deps.now())) throw interruptedError(taskId);
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

/** Who forwards a task's call: unique, with when it began (`interrupted` reads it). */
function holderOf(taskId: string, nowMs: number): string {
  return `${claimantOf(taskId)}:${randomUUID()}:${nowMs}`;
}

/** A forwarder held past the upstream's call timeout (and a margin) without a result: its replica died mid-call. */
function interrupted(record: TaskRecord, nowMs: number): boolean {
  const call = record.gateway;
  if (!call?.forwarder || call.result !== undefined) return false;
  const since = Number(call.forwarder.split(':').at(-1));
  return Number.isFinite(since) && nowMs - since > CALL_TIMEOUT_MS + FORWARD_MARGIN_MS;
}

const interruptedError = (taskId: string) =>
  new JsonRpcError(
    ErrorCode.InternalError,
    `Task ${taskId}: forwarding the approved call was interrupted; it may or may not have reached the upstream, and it is not sent again`,
  );

/** A call that failed unexpectedly once it was allowed: recorded as the task's result, never retried. */
function notCompleted(): CallToolResult {
  return toolError(
    'the gateway could not complete this call once it was allowed; it may or may not have reached the upstream, ' +
      'and it is not sent again',
    'internal',
  );
}

/** The result as the task keeps it: JSON, or a tool error in its place when it is too large to keep. */
function keptJson(result: CallToolResult): string {
  const json = JSON.stringify(result);
  if (Buffer.byteLength(json) <= MAX_KEPT_RESULT_BYTES) return json;
  return JSON.stringify(
    toolError(
      `the upstream's result was ${Buffer.byteLength(json)} bytes, more than the ${MAX_KEPT_RESULT_BYTES} a task keeps; ` +
        'call this tool without task for large results (the call was made and is not sent again)',
      'payload_too_large',
    ),
  );
}

function qualified(upstream: Upstream, tool: string): string {
  return `mcp__${upstream.name}__${tool}`;
}

/** The judged arguments as stored; anything unreadable is `{}`, which no approval's digest matches. */
function argumentsOf(json: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = json === '' ? {} : JSON.parse(json);
  } catch {
    value = {};
  }
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

/** How long after creation the task is kept: the bounded client ttl of one answered at once, else its pause's retention. */
function ttlOf(record: TaskRecord, pause: Pause | null): number {
  const created = Date.parse(record.created_at);
  if (record.gateway?.ttl_ms !== undefined) return record.gateway.ttl_ms;
  return Math.max(0, (pause ? Date.parse(pause.expires_at) : created) + RETENTION_MS - created);
}

/**
 * The task as it stands: completed once it has a result, or once its pause ended (tasks/result then
 * forwards an approved call); cancelled with its pause; working while a human decides.
 */
function taskOf(record: TaskRecord, pause: Pause | null, nowMs: number): Task {
  const created = Date.parse(record.created_at);
  const base = {
    taskId: record.task_id,
    createdAt: record.created_at,
    pollInterval: TASK_POLL_INTERVAL_MS,
    ttl: ttlOf(record, pause),
  };
  const ended = pause?.ended_at ?? pause?.response?.responded_at;
  const lastUpdatedAt = ended && Date.parse(ended) > created ? ended : record.created_at;
  if (record.gateway?.result !== undefined)
    return { ...base, status: 'completed', lastUpdatedAt, statusMessage: 'Done: read the result with tasks/result.' };
  if (!pause || interrupted(record, nowMs))
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
