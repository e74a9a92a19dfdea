#!/usr/bin/env node
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { loadProxyConfig } from '../config.js';
import { errorSummary } from '../domain/errors.js';
import { createModernMcpServer } from '../mcp/modern-server.js';
import { gatewayCommand } from './gateway.js';
import { hookCommand } from './hook.js';
import { restToolCaller } from './rest-caller.js';

/**
 * `looppause-mcp`: LoopPause's tools over stdio for hosts that start MCP servers with npx.
 * stdout carries only the protocol; anything worth saying goes to stderr. It speaks the era its
 * client opens with: `initialize` (2025-11-25) or `server/discover` (2026-07-28).
 * `looppause-mcp hook claude-code|cursor` is the command hook of `looppause hook` instead, and
 * `looppause-mcp gateway -- <command> …` the local gateway of `looppause gateway`.
 */
if (process.argv[2] === 'hook') {
  process.exitCode = await hookCommand(process.argv.slice(3));
} else if (process.argv[2] === 'gateway') {
  // Exits at once when the agent is done, even while a keep-alive connection to the service stays open.
  process.exit(await gatewayCommand(process.argv.slice(3)));
} else {
  const config = loadProxyConfig();
  const log = (message: string) => process.stderr.write(`looppause-mcp: ${message}\n`);

  process.on('uncaughtException', (error) => log(`unexpected error: ${errorSummary(error)}`));
  process.on('unhandledRejection', (error) => log(`unexpected rejection: ${errorSummary(error)}`));

  const call = restToolCaller(config);
  serveStdio(() => createModernMcpServer(call, (error) => log(`tool failed: ${errorSummary(error)}`)), {
    onerror: (error) => log(`protocol error: ${errorSummary(error)}`),
  });
  // The host closing stdin ends the session: exit even while a keep-alive connection to the service stays open.
  process.stdin.on('close', () => process.exit(0));
}
