#!/usr/bin/env node
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { loadProxyConfig } from '../config.js';
import { errorSummary } from '../domain/errors.js';
import { createMcpServer } from '../mcp/server.js';
import { hookCommand } from './hook.js';
import { restToolCaller } from './rest-caller.js';

/**
 * `looppause-mcp`: LoopPause's tools over stdio for hosts that start MCP servers with npx.
 * stdout carries only the protocol; anything worth saying goes to stderr.
 * `looppause-mcp hook claude-code|cursor` is the command hook of `looppause hook` instead.
 */
if (process.argv[2] === 'hook') {
  process.exitCode = await hookCommand(process.argv.slice(3));
} else {
  const config = loadProxyConfig();
  const log = (message: string) => process.stderr.write(`looppause-mcp: ${message}\n`);

  process.on('uncaughtException', (error) => log(`unexpected error: ${errorSummary(error)}`));
  process.on('unhandledRejection', (error) => log(`unexpected rejection: ${errorSummary(error)}`));

  const server = createMcpServer(restToolCaller(config), (error) => log(`tool failed: ${errorSummary(error)}`));
  const transport = new StdioServerTransport();
  transport.onclose = () => process.exit(0);
  await server.connect(transport);
}
