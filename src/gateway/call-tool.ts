import { randomUUID } from 'node:crypto';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { agentActor } from '../domain/audit/events.js';
import { LoopPauseError } from '../domain/errors.js';
import { sha256Hex } from '../domain/hash.js';
import { type ToolCallAnswer, toolCallDigest } from '../domain/tool-calls.js';
import { toolError } from '../mcp/server.js';
import type { AuditLog } from '../store/ports/audit.js';
import type { ApprovalService } from '../use-cases/approval-service.js';
import { type Upstream, UpstreamError } from './upstream.js';

export interface GatewayCallDeps {
  service: Pick<ApprovalService, 'toolCall' | 'awaitToolCall' | 'claimToolCall'>;
  audit: Pick<AuditLog, 'appendAudit'>;
  /** LOOPPAUSE_GATEWAY_WAIT_SECONDS: how long one call waits for a human. */
  waitSeconds: number;
  /** How long a gateway pause lives without a rule timeout (calls again re-attach meanwhile). */
  lifetimeSeconds: number;
  now: () => number;
}

export interface GatewayCallOptions {
  signal?: AbortSignal | undefined;
  /** Told every PROGRESS_EVERY_MS while a human is asked (notifications/progress, when the client asked). */
  progress?: ((message: string, elapsedSeconds: number) => Promise<void>) | undefined;
}

const PROGRESS_EVERY_MS = 10_000;
/** A wait that returns sooner than this while the pause is pending was refused a slot. */
const EARLY_MS = 50;

/**
 * tools/call through the gateway: judged as the tool call `mcp__<server>__<tool>` by the operator's
 * policy, held while a human decides, and forwarded with exactly the arguments that were judged,
 * at most once per approval. Rejected, timed out or refused: a tool error, and the upstream is not
 * called.
 */
export async function callThroughGateway(
  deps: GatewayCallDeps,
  agentId: string,
  upstream: Upstream,
  name: string,
  args: Record<string, unknown>,
  options: GatewayCallOptions = {},
): Promise<CallToolResult> {
  // This call acts on the approval it gets, once; no other call can use it after.
  const claimant = `gateway:${randomUUID()}`;
  const judged = await judgeGatewayCall(deps, agentId, upstream, name, args, claimant, options.signal);
  if ('result' in judged) return judged.result;
  let { answer } = judged;
  const started = deps.now();
  const deadline = started + deps.waitSeconds * 1000;
  while (answer.decision === 'pending' && answer.pause_id !== undefined && !options.signal?.aborted) {
    const left = deadline - deps.now();
    if (left <= 0) break;
    await options.progress?.(
      `waiting for a human (pause ${answer.pause_id})`,
      Math.round((deps.now() - started) / 1000),
    );
    const slice = Math.min(left, PROGRESS_EVERY_MS);
    const before = deps.now();
    const pauseId = answer.pause_id;
    answer = await deps.service.awaitToolCall(agentId, pauseId, slice, options.signal);
    // Back at once and still pending: this key holds all the waits it may on this replica.
    if (answer.decision === 'pending' && deps.now() - before < Math.min(slice, EARLY_MS) && !options.signal?.aborted) {
      return toolError(
        `too many calls of this API key are waiting for a human; call again later (pause ${pauseId})`,
        'rate_limited',
      );
    }
  }
  return concludeGatewayCall(deps, agentId, upstream, judged, answer, claimant, options.signal);
}

/** A gateway call as judged: the upstream's tool, the call as `mcp__<server>__<tool>`, and the first answer. */
export interface JudgedGatewayCall {
  name: string;
  readOnly: boolean;
  call: { tool: string; input: Record<string, unknown> };
  answer: ToolCallAnswer;
}

/**
 * Judges a call by the operator's policy without waiting: the answer, or at once the tool error
 * for a tool the upstream does not have, an upstream that cannot list its tools, or a call the
 * service refuses. An answer that allows at once is claimed for `claimant`.
 */
export async function judgeGatewayCall(
  deps: GatewayCallDeps,
  agentId: string,
  upstream: Upstream,
  name: string,
  args: Record<string, unknown>,
  claimant: string,
  signal: AbortSignal | undefined,
): Promise<JudgedGatewayCall | { result: CallToolResult }> {
  let tool: Awaited<ReturnType<Upstream['tool']>>;
  try {
    tool = await upstream.tool(name);
  } catch (error) {
    if (error instanceof UpstreamError) return { result: toolError(error.message, 'unavailable') };
    throw error;
  }
  if (!tool)
    return { result: toolError(`no tool ${JSON.stringify(name.slice(0, 128))} on this server (see tools/list)`) };
  const call = { tool: `mcp__${upstream.name}__${name}`, input: args };
  try {
    const answer = await deps.service.toolCall(agentId, call, {
      source: 'gateway',
      waitSeconds: 0,
      signal,
      claimant,
      gateway: { readOnly: tool.readOnly, maxWaitSeconds: deps.waitSeconds, lifetimeSeconds: deps.lifetimeSeconds },
    });
    return { name, readOnly: tool.readOnly, call, answer };
  } catch (error) {
    if (error instanceof LoopPauseError) return { result: toolError(error.message, error.code) };
    throw error;
  }
}

/**
 * What a judged call comes to once it is no longer waiting: forwarded (an approval claimed for
 * `claimant`, bound to exactly these arguments), or a tool error saying why not; the upstream is
 * called only for an allow.
 */
export async function concludeGatewayCall(
  deps: GatewayCallDeps,
  agentId: string,
  upstream: Upstream,
  judged: Pick<JudgedGatewayCall, 'name' | 'readOnly' | 'call'>,
  answer: ToolCallAnswer,
  claimant: string,
  signal: AbortSignal | undefined,
): Promise<CallToolResult> {
  switch (answer.decision) {
    case 'pending':
      return toolError(`approval pending (pause ${answer.pause_id}): call again to keep waiting`, 'pending');
    case 'deny':
    case 'ask':
      return toolError(answer.reason ?? 'not allowed', 'denied');
    case 'allow': {
      // The agent gave up waiting: the approval stays unused for its next identical call.
      if (signal?.aborted) return toolError('the call was cancelled before it was forwarded', 'cancelled');
      // Only a read-only tool passes without a pause, whatever an answer says.
      if (answer.pause_id === undefined && !judged.readOnly)
        return toolError('not allowed without an approval', 'denied');
      const claimed = await deps.service.claimToolCall(answer, claimant);
      if (claimed.decision !== 'allow') return toolError(claimed.reason ?? 'not allowed', 'conflict');
      return forward(deps, agentId, upstream, judged.name, judged.call, claimed, signal);
    }
    default:
      return toolError('the gateway could not read the decision', 'denied');
  }
}

async function forward(
  deps: GatewayCallDeps,
  agentId: string,
  upstream: Upstream,
  name: string,
  call: { tool: string; input: Record<string, unknown> },
  answer: ToolCallAnswer,
  signal: AbortSignal | undefined,
): Promise<CallToolResult> {
  const { response, pause_id: pauseId } = answer;
  // An approval binds to these arguments exactly.
  if (pauseId !== undefined && response?.action_digest !== toolCallDigest(call)) {
    return toolError('the approval does not match this call', 'denied');
  }
  try {
    const result = await upstream.callTool(name, call.input, signal);
    if (pauseId !== undefined) {
      await deps.audit.appendAudit(
        {
          type: 'tool.forwarded',
          pause_id: pauseId,
          actor: agentActor(agentId),
          data: {
            tool: call.tool,
            result_sha256: sha256Hex(JSON.stringify(result)),
            is_error: result.isError === true,
          },
        },
        deps.now(),
      );
    }
    return result;
  } catch (error) {
    if (!(error instanceof UpstreamError)) throw error;
    if (pauseId !== undefined) {
      // The approval is used up either way: whatever the upstream did, it is never sent twice.
      await deps.audit.appendAudit(
        {
          type: 'tool.forwarded',
          pause_id: pauseId,
          actor: agentActor(agentId),
          data: { tool: call.tool, failed: error.message },
        },
        deps.now(),
      );
    }
    return toolError(`${error.message}; the call was not retried`, 'unavailable');
  }
}
