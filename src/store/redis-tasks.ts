import { Redis } from 'ioredis';
import { decodeCursor, encodeCursor, isAfter } from './cursor.js';
import { INDEX_HORIZON_MS, type Page } from './ports/pauses.js';
import type { GatewayTaskCall, SettleOutcome, TaskListQuery, TaskRecord, TaskStore } from './ports/tasks.js';
import type { RedisClient } from './redis-clients.js';
import { legacyContext, type RedisContext } from './redis-connection.js';
import { type RedisKeys, redisTaskKeys } from './redis-keys.js';
import { settleTaskScript } from './scripts/settle-task.js';

/**
 * MCP task records in Redis: a string per task (JSON, expiring at its retention) and a sorted set
 * per agent (task ids by creation time) for tasks/list. Both are written in one MULTI; an index
 * entry whose record has expired is dropped when a list meets it, and entries past the horizon on
 * every write, so the index never outgrows the agent's live tasks by much. Retention is judged by
 * `now`, as in the memory store: a record whose retention is not after `now` reads as absent even
 * if Redis's own clock has not dropped it yet (PEXPIRETIME, Redis 7).
 */
export class RedisTaskStore implements TaskStore {
  private readonly redis: RedisClient;
  private readonly context: RedisContext;
  private readonly keys: ReturnType<typeof redisTaskKeys>;
  private readonly now: () => number;

  constructor(context: RedisContext, now?: () => number);
  /** @deprecated Pass the connection context (`RedisStore.connection`). */
  constructor(redis: Redis, keys: Pick<RedisKeys, 'base'>, now?: () => number);
  constructor(first: RedisContext | Redis, second?: Pick<RedisKeys, 'base'> | (() => number), third?: () => number) {
    const legacy = first instanceof Redis;
    const context = legacy ? legacyContext(first, second as Pick<RedisKeys, 'base'>) : first;
    this.context = context;
    this.redis = context.redis;
    this.keys = redisTaskKeys(context.keys.base);
    this.now = (legacy ? third : (second as (() => number) | undefined)) ?? Date.now;
  }

  async createTask(task: TaskRecord, retainUntilMs: number): Promise<void> {
    const index = this.keys.agentTasks(task.agent_id);
    const createdMs = Date.parse(task.created_at);
    await this.redis
      .multi()
      .set(this.keys.task(task.task_id), JSON.stringify(task), 'PXAT', retainUntilMs)
      .zadd(index, createdMs, task.task_id)
      .zremrangebyscore(index, '-inf', `(${this.now() - INDEX_HORIZON_MS}`)
      .pexpireat(index, Math.max(retainUntilMs, createdMs + INDEX_HORIZON_MS))
      .exec();
  }

  async getTask(agentId: string, taskId: string): Promise<TaskRecord | null> {
    const [raw] = await this.readLive([taskId]);
    const task = raw ? parseRecord(raw) : null;
    return task && task.agent_id === agentId ? task : null;
  }

  settleTask(agentId: string, taskId: string, result: string): Promise<SettleOutcome> {
    return settleTaskScript.run(this.context, { taskId, agentId, field: 'result', value: result, nowMs: this.now() });
  }

  holdTaskForward(agentId: string, taskId: string, holder: string): Promise<SettleOutcome> {
    return settleTaskScript.run(this.context, {
      taskId,
      agentId,
      field: 'forwarder',
      value: holder,
      nowMs: this.now(),
    });
  }

  /** Each record's JSON, or null when it is gone or its retention has passed by `now`. */
  private async readLive(taskIds: readonly string[]): Promise<(string | null)[]> {
    const multi = this.redis.multi();
    for (const id of taskIds) multi.get(this.keys.task(id)).pexpiretime(this.keys.task(id));
    const replies = (await multi.exec()) ?? [];
    const failed = replies.find(([error]) => error);
    if (failed) throw failed[0];
    const nowMs = this.now();
    return taskIds.map((_, i) => {
      const raw = replies[2 * i]?.[1] as string | null;
      const retainUntilMs = replies[2 * i + 1]?.[1] as number;
      return raw !== null && (retainUntilMs < 0 || retainUntilMs > nowMs) ? raw : null;
    });
  }

  async listTasks(query: TaskListQuery): Promise<Page<TaskRecord> | 'invalid_cursor'> {
    const cursor = decodeCursor(query.cursor);
    if (query.cursor !== undefined && !cursor) return 'invalid_cursor';
    const index = this.keys.agentTasks(query.agentId);
    const items: TaskRecord[] = [];
    const scores: number[] = [];
    let last = cursor;
    const batchSize = query.limit + 50;
    // Walk the index newest first in batches, skipping (and dropping) entries whose record expired.
    for (let round = 0; round < 20 && items.length <= query.limit; round++) {
      const batch = await this.redis.zrevrangebyscore(
        index,
        last ? String(last.score) : '+inf',
        '-inf',
        'WITHSCORES',
        'LIMIT',
        0,
        batchSize,
      );
      const entries: { id: string; score: number }[] = [];
      for (let i = 0; i + 1 < batch.length; i += 2) {
        const id = batch[i] as string;
        const score = Number(batch[i + 1]);
        if (isAfter(score, id, last)) entries.push({ id, score });
      }
      if (entries.length === 0) break;
      const records = await this.readLive(entries.map((e) => e.id));
      const stale: string[] = [];
      for (const [i, e] of entries.entries()) {
        last = e;
        const raw = records[i];
        const task = raw ? parseRecord(raw) : null;
        if (!task || task.agent_id !== query.agentId) {
          stale.push(e.id);
          continue;
        }
        items.push(task);
        scores.push(e.score);
        if (items.length > query.limit) break;
      }
      if (stale.length > 0) await this.redis.zrem(index, ...stale);
      if (batch.length < batchSize * 2) break;
    }
    const page = items.slice(0, query.limit);
    const tail = page.at(-1);
    const tailScore = scores[page.length - 1];
    return {
      items: page,
      next_cursor:
        items.length > query.limit && tail && tailScore !== undefined
          ? encodeCursor({ score: tailScore, id: tail.task_id })
          : null,
    };
  }
}

function parseRecord(raw: string): TaskRecord | null {
  try {
    const value = JSON.parse(raw) as Partial<TaskRecord>;
    if (
      typeof value.task_id !== 'string' ||
      typeof value.pause_id !== 'string' ||
      typeof value.agent_id !== 'string' ||
      typeof value.created_at !== 'string'
    )
      return null;
    const record: TaskRecord = {
      task_id: value.task_id,
      pause_id: value.pause_id,
      agent_id: value.agent_id,
      created_at: value.created_at,
    };
    const gateway = gatewayCallOf(value.gateway);
    if (gateway) record.gateway = gateway;
    return record;
  } catch {
    return null;
  }
}

function gatewayCallOf(value: unknown): GatewayTaskCall | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const call = value as Partial<GatewayTaskCall>;
  if (typeof call.server !== 'string' || typeof call.tool !== 'string' || typeof call.arguments !== 'string')
    return undefined;
  return {
    server: call.server,
    tool: call.tool,
    arguments: call.arguments,
    ...(typeof call.ttl_ms === 'number' ? { ttl_ms: call.ttl_ms } : {}),
    ...(typeof call.result === 'string' ? { result: call.result } : {}),
    ...(typeof call.forwarder === 'string' ? { forwarder: call.forwarder } : {}),
  };
}
