import type { ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import type { ApprovalService } from '../use-cases/approval-service.js';

export interface ToolContext {
  service: ApprovalService;
  agentId: string;
  signal: AbortSignal;
}

export interface Tool {
  name: string;
  title: string;
  description: string;
  /** Said instead where an operator policy routes requests, so agents do not invent recipients. */
  descriptionUnderPolicy?: string;
  inputSchema: z.ZodType;
  outputSchema: z.ZodType;
  annotations: ToolAnnotations;
  /** MCP tasks: `optional` lets a client that sends `task` get a task back instead of the result. */
  taskSupport?: 'optional';
  /** With `taskSupport`: what tasks/result returns for this tool's task, when it is not `outputSchema`. */
  taskResultSchema?: z.ZodType;
  /** Validates `args` itself (through the service) so errors name the field and the rule. */
  run(context: ToolContext, args: unknown): Promise<object>;
}

type JsonObjectSchema = { type: 'object'; [key: string]: unknown };

/**
 * The tools/list entry when the server speaks MCP tasks: `execution.taskSupport`, and an output
 * schema that also admits the task's result (clients such as the SDK's check tasks/result against it).
 */
export function listEntryWithTasks(tool: Tool, underPolicy = false) {
  const entry = listEntry(tool, underPolicy);
  if (!tool.taskSupport) return entry;
  const outputSchema = tool.taskResultSchema
    ? jsonSchema(z.union([tool.outputSchema, tool.taskResultSchema]), 'output')
    : entry.outputSchema;
  return { ...entry, outputSchema, execution: { taskSupport: tool.taskSupport } };
}

/** The tools/list entry, computed once per process rather than once per request. */
export function listEntry(tool: Tool, underPolicy = false) {
  return {
    name: tool.name,
    title: tool.title,
    description: underPolicy && tool.descriptionUnderPolicy ? tool.descriptionUnderPolicy : tool.description,
    inputSchema: jsonSchema(tool.inputSchema, 'input'),
    outputSchema: jsonSchema(tool.outputSchema, 'output'),
    annotations: tool.annotations,
  };
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonObjectSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return { ...rest, type: 'object' };
}
