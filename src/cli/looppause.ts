#!/usr/bin/env node
import { VERSION } from '../version.js';

// Each command loads only what it needs: `hook` runs before every tool call an agent makes, and
// must not pay for loading the whole server first.
const config = async () => (await import('../config.js')).loadConfig();

const USAGE = `usage: looppause <command>

  serve                         run the service (what npm start runs)
  verify                        read a check_approval result on stdin and check its signature
                                with LOOPPAUSE_SIGNING_SECRET (in development without it, the
                                secret npm start keeps in .looppause/dev.json); exit 0 when valid
  verify --receipt RECEIPT|- --jwks URL|FILE [--pause-id PSE] [--action-digest DIGEST]
                                check a decision receipt offline against the service's public keys
                                (GET /.well-known/jwks.json); exit 0 valid, 1 invalid saying why
  policy check FILE             validate a policy file and list its rules; exit 1 naming each problem
  policy explain [--file FILE] --agent NAME --action TEXT [--details JSON] [--request JSON] [--json]
                                what a request would get: the rule it meets, its routing, or the
                                refusal; FILE defaults to LOOPPAUSE_POLICY_FILE
  hook claude-code|cursor       a coding agent's command hook: reads its hook input on stdin, asks the
                                service (LOOPPAUSE_API_URL, LOOPPAUSE_API_KEY) and prints the answer;
                                any failure prints a deny (and exits 2 for Claude Code), never an allow
  gateway [--name NAME] -- COMMAND [ARGS…]
                                an MCP server on stdio in front of the stdio MCP server COMMAND starts:
                                each tool call is asked of the service and forwarded only when allowed
  --version, -v                 print the version

These need REDIS_URL (the embedded memory store lives inside the server process):
  keys create --name NAME [--owner OWNER] [--admin]
                                mint an API key (stored hashed)
  keys list                     list API key names
  keys revoke --name NAME       revoke an API key
  webhooks add URL --events pause.decided,...
                                register a webhook endpoint; prints it with its secret (once)
  webhooks list | remove ID | rotate-secret ID | enable ID | dead-letters [ID] | redrive [ID]
                                manage endpoints; redrive delivers dead letters again
  audit verify                  check the audit log's hash chain; exit 1 naming the first bad entry
  audit export [--since ISO]    the audit log as JSON Lines, oldest first
  delegate --from A --to D --until ISO
                                A is away until then and D decides for them (also: away --for A
                                --to D --until ISO); checked against LOOPPAUSE_POLICY_FILE
  delegate end --from A         A is back (also: back --for A)
  delegate list                 the delegations in force
`;

const [command, ...rest] = process.argv.slice(2);

async function main(): Promise<number> {
  switch (command) {
    case 'serve':
      return (await import('./serve.js')).serveCommand(await config());
    case 'keys':
      return (await import('./keys.js')).keysCommand(await config(), rest);
    case 'verify':
      if (rest.some((arg) => arg === '--receipt' || arg.startsWith('--receipt=')))
        return (await import('./verify-receipt.js')).verifyReceiptCommand(rest);
      return (await import('./verify.js')).verifyCommand(await config());
    case 'webhooks':
      return (await import('./webhooks.js')).webhooksCommand(await config(), rest);
    case 'delegate':
    case 'away':
    case 'back':
      return (await import('./delegate.js')).delegateCommand(await config(), command, rest);
    case 'policy': {
      const { loadConfig } = await import('../config.js');
      return (await import('./policy.js')).policyCommand(rest, () => loadConfig());
    }
    case 'hook':
      return (await import('./hook.js')).hookCommand(rest);
    case 'gateway':
      return process.exit(await (await import('./gateway.js')).gatewayCommand(rest));
    case '--version':
    case '-v':
    case 'version':
      process.stdout.write(`${VERSION}\n`);
      return 0;
    case 'audit':
      return (await import('./audit.js')).auditCommand(await config(), rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`looppause: unknown command ${JSON.stringify(command)}\n${USAGE}`);
      return 2;
  }
}

main().then(
  (code) => {
    if (code !== -1) process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`looppause: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
