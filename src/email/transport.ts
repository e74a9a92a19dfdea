import { mkdir, rename, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createTransport } from 'nodemailer';
import type { Logger } from 'pino';
import type { Config } from '../config.js';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** `<…@domain>`: one per message. */
  messageId: string;
  /** `<…@domain>`: the same for every message about one pause, so clients thread them. */
  threadId: string;
  /** `<…@domain>`: the message this one answers (a reminder answers the request e-mail). */
  inReplyTo?: string;
}

export interface SentMail {
  messageId: string;
  /** Outbox mode: where the `.eml` was written. */
  path?: string;
}

export interface MailTransport {
  readonly kind: 'smtp' | 'outbox';
  send(mail: OutgoingMail): Promise<SentMail>;
  close(): void;
}

/**
 * nodemailer over SMTP_URL (pooled; `smtps://` means TLS from the start, `smtp://` upgrades with
 * STARTTLS when offered), or, without it, `.eml` files in LOOPPAUSE_OUTBOX_DIR so a plain
 * `npm start` works with no mail server.
 */
export interface MailTransportOptions {
  /** Outbox mode: told of each message once its `.eml` is written (development logs its links). */
  onWritten?: ((mail: OutgoingMail, path: string) => void) | undefined;
}

export function createMailTransport(
  email: Config['email'],
  logger: Logger,
  options: MailTransportOptions = {},
): MailTransport {
  const from = email.from;
  const envelope = (mail: OutgoingMail) => ({
    from,
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    messageId: mail.messageId,
    inReplyTo: mail.inReplyTo ?? mail.threadId,
    references: mail.inReplyTo === undefined ? [mail.threadId] : [mail.threadId, mail.inReplyTo],
    headers: { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' },
  });

  if (email.smtpUrl) {
    const transporter = createTransport({
      url: email.smtpUrl,
      pool: true,
      maxConnections: 3,
      // Well under the job lease (60 s): a hung server fails the attempt, it is not run twice.
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    });
    return {
      kind: 'smtp',
      send: async (mail) => {
        const info = await transporter.sendMail(envelope(mail));
        return { messageId: info.messageId || mail.messageId };
      },
      close: () => transporter.close(),
    };
  }

  const dir = resolve(email.outboxDir);
  const transporter = createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  let seq = 0;
  let outboxReady: Promise<unknown> | undefined;
  logger.info({ outbox: dir }, 'SMTP_URL not set: e-mails are written as .eml files to the outbox');
  return {
    kind: 'outbox',
    send: async (mail) => {
      const info = await transporter.sendMail(envelope(mail));
      const message = info.message;
      if (!Buffer.isBuffer(message)) throw new Error('stream transport returned no buffer');
      // Made once, not before every message; made again after any failure (the folder was removed, say).
      outboxReady ??= mkdir(dir, { recursive: true });
      seq += 1;
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const path = resolve(dir, `${stamp}-${process.pid}-${seq}.eml`);
      // Written aside, then renamed: whoever watches the outbox never reads half a message.
      try {
        await outboxReady;
        await writeFile(`${path}.part`, message, { mode: 0o600 });
        await rename(`${path}.part`, path);
      } catch (error) {
        outboxReady = undefined;
        throw error;
      }
      options.onWritten?.(mail, path);
      return { messageId: info.messageId || mail.messageId, path };
    },
    close: () => transporter.close(),
  };
}

/** The part after `@` in EMAIL_FROM, for Message-IDs; `looppause.local` when there is none. */
export function messageIdDomain(from: string): string {
  const match = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from.trim());
  return match?.[1]?.toLowerCase() ?? 'looppause.local';
}
