import type { RunningService } from '../main.js';

/** What `npm start` prints: where things are, and a client config ready to paste. */
export function banner(running: RunningService): string {
  const { config } = running;
  const mcpUrl = `${config.publicUrl}/mcp`;
  const key = running.devApiKey ?? '<your API key>';
  const headers = { Authorization: `Bearer ${key}` };
  const lines = [
    '',
    `LoopPause is listening on port ${running.port}`,
    `  MCP (Streamable HTTP)  ${mcpUrl}`,
    `  REST                   ${config.publicUrl}/v1/pauses`,
    `  Health                 ${config.publicUrl}/healthz  ${config.publicUrl}/readyz`,
    `  Store                  ${running.store.kind}${running.store.kind === 'memory' ? ' (embedded; set REDIS_URL for production)' : ''}`,
    `  Slack                  ${slackNote(running)}`,
    `  E-mail                 ${config.email.smtpUrl ? 'SMTP' : `written to ${config.email.outboxDir}/ (set SMTP_URL to send)${config.env === 'development' ? '; the log shows the links of each one' : ''}`}`,
    `  Dashboard              ${config.publicUrl}/dashboard${dashboardNote(running)}`,
    `  Metrics                ${config.publicUrl}/metrics ${config.metricsToken ? '(Bearer LOOPPAUSE_METRICS_TOKEN)' : '(this machine only; set LOOPPAUSE_METRICS_TOKEN to scrape from elsewhere)'}`,
  ];
  if (running.devSignIn) {
    const { email, link } = running.devSignIn;
    lines.push(
      '',
      `Development dashboard sign-in, as ${email} (an admin; one use, within 15 minutes):`,
      `  ${link}`,
      ...(config.email.smtpUrl
        ? []
        : [
            `  Later, ask for a link for ${email} on ${config.publicUrl}/dashboard/signin: it is written to the outbox and logged.`,
          ]),
      '  (Set LOOPPAUSE_DASHBOARD_ADMINS=you@example.com to sign in as yourself instead.)',
    );
  }
  if (running.devApiKey) {
    lines.push(
      '',
      `Development API key, an admin key (kept in ${config.devStateDir}/dev.json; also for /v1/policy/explain and /v1/webhooks):`,
      `  ${running.devApiKey}`,
    );
  } else if (config.apiKeys.length === 0) {
    lines.push(
      '',
      'No API keys are configured. Create one (stored hashed in Redis) and put it in the client config below:',
      '  npx looppause keys create --name my-agent',
      'or set LOOPPAUSE_API_KEYS=name:key (a key of 16+ characters).',
    );
  }
  lines.push(
    '',
    `Claude Code — .mcp.json in your project (or: claude mcp add --transport http looppause ${mcpUrl} --header "Authorization: Bearer ${key}"):`,
    indent(JSON.stringify({ mcpServers: { looppause: { type: 'http', url: mcpUrl, headers } } }, null, 2)),
    '',
    'Cursor — ~/.cursor/mcp.json:',
    indent(JSON.stringify({ mcpServers: { looppause: { url: mcpUrl, headers } } }, null, 2)),
    '',
  );
  return lines.join('\n');
}

/** Whether Slack answered at start-up, as whom, and where its events arrive; or what is wrong. */
function slackNote(running: RunningService): string {
  const { slack } = running.config;
  if (!slack) return 'off (set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET)';
  const events = slack.appToken ? 'Socket Mode' : `events at ${running.config.publicUrl}/slack/events`;
  const status = running.slack?.status() ?? { state: 'connecting' };
  switch (status.state) {
    case 'connected':
      return `connected as @${status.user} in ${status.team} (${events})`;
    case 'connecting':
      return `connecting (${events}); the log says when it is connected`;
    case 'failing':
      return `NOT connected: ${status.error}. Trying again in the background; MCP, REST, e-mail and the dashboard work meanwhile`;
  }
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}

/** Who may sign in, when nobody could: the dashboard needs a policy's admins/groups or LOOPPAUSE_DASHBOARD_USERS. */
function dashboardNote(running: RunningService): string {
  const { dashboard } = running.config;
  if (running.policy || dashboard.users.length > 0 || dashboard.admins.length > 0) return '';
  return ' (nobody may sign in yet: set LOOPPAUSE_DASHBOARD_ADMINS=you@example.com)';
}
