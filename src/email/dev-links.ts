import { type DestinationStream, type Logger, pino } from 'pino';
import type { Config } from '../config.js';
import type { OutgoingMail } from './transport.js';

/**
 * Development only: one log line per e-mail written to the outbox, with the links in it (a
 * decision link, a dashboard sign-in link), because the `.eml` files are quoted-printable and
 * their links do not survive `cat`. The service's logger redacts every link token from every line,
 * so this line goes through a logger of its own, without that rule, built only when NODE_ENV is
 * development: production never has it, whatever its log level.
 */
export function devOutboxLinks(
  config: Pick<Config, 'env' | 'logLevel' | 'publicUrl'>,
  given?: Logger,
  destination?: DestinationStream,
): ((mail: OutgoingMail, path: string) => void) | undefined {
  if (config.env !== 'development') return undefined;
  const logger =
    given ??
    (destination
      ? pino({ level: config.logLevel, base: { service: 'looppause' } }, destination)
      : pino({ level: config.logLevel, base: { service: 'looppause' } }));
  return (mail, path) => {
    const links = linksIn(mail.text, config.publicUrl);
    const open = links.length > 0 ? `open ${links.join(' or ')}` : 'it has no link';
    logger.info(
      { component: 'mail', to: mail.to, subject: mail.subject, eml: path, links },
      `development: e-mail to ${mail.to} written to the outbox; ${open}`,
    );
  };
}

/** The service's own links in a plain-text body, without their query (Approve and Reject open one page), each once. */
export function linksIn(text: string, publicUrl: string): string[] {
  const links = text.match(/https?:\/\/[^\s<>"')\]]+/g) ?? [];
  return [...new Set(links.filter((link) => link.startsWith(publicUrl)).map((link) => link.split('?')[0] as string))];
}
