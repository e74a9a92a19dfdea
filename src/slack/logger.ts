import type { Logger as SlackLogger } from '@slack/logger';
import type { Logger } from 'pino';

/**
 * Bolt and the WebClient log through pino. Their debug output carries request bodies (message
 * text), so it is dropped; other levels keep strings and error summaries only, never objects.
 * `quiet`: every line at debug, for clients whose failures are reported by whoever calls them
 * (the connection check says once what is wrong instead of a warning per attempt).
 */
export function slackLogger(logger: Logger, options: { quiet?: boolean } = {}): SlackLogger {
  const child = logger.child({ component: 'slack' });
  const at = (level: 'info' | 'warn' | 'error') => (options.quiet ? 'debug' : level);
  let level = 'info';
  const line = (msg: unknown[]) =>
    msg
      .map((m) => (typeof m === 'string' ? m : m instanceof Error ? `${m.name}: ${m.message}` : ''))
      .filter((s) => s !== '')
      .join(' ')
      .slice(0, 500);
  return {
    debug: () => {},
    info: (...msg: unknown[]) => child[at('info')](line(msg)),
    warn: (...msg: unknown[]) => child[at('warn')](line(msg)),
    error: (...msg: unknown[]) => child[at('error')](line(msg)),
    setLevel: (l) => {
      level = l;
    },
    getLevel: () => level as ReturnType<SlackLogger['getLevel']>,
    setName: () => {},
  };
}
