import type { Logger as SlackLogger } from '@slack/logger';
import type { Logger } from 'pino';

/**
 * Bolt and the WebClient log through pino. Their debug output carries request bodies (message
 * text), so it is dropped; other levels keep strings and error summaries only, never objects.
 */
export function slackLogger(logger: Logger): SlackLogger {
  const child = logger.child({ component: 'slack' });
  let level = 'info';
  const line = (msg: unknown[]) =>
    msg
      .map((m) => (typeof m === 'string' ? m : m instanceof Error ? `${m.name}: ${m.message}` : ''))
      .filter((s) => s !== '')
      .join(' ')
      .slice(0, 500);
  return {
    debug: () => {},
    info: (...msg: unknown[]) => child.info(line(msg)),
    warn: (...msg: unknown[]) => child.warn(line(msg)),
    error: (...msg: unknown[]) => child.error(line(msg)),
    setLevel: (l) => {
      level = l;
    },
    getLevel: () => level as ReturnType<SlackLogger['getLevel']>,
    setName: () => {},
  };
}
