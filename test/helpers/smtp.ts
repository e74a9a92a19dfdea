import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { freePort } from './redis-server.js';

/** A real SMTP server in the test process: takes what nodemailer sends and parses it with mailparser. */
export class TestSmtp {
  readonly mails: ParsedMail[] = [];
  /** Raw RFC 5322 source of each mail, in the order received. */
  readonly raw: string[] = [];
  private server: SMTPServer | undefined;
  port = 0;

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** Reserves a free port without listening (for "SMTP down, then up"). */
  async reserve(): Promise<this> {
    this.port = await freePort();
    return this;
  }

  async start(): Promise<this> {
    if (this.port === 0) this.port = await freePort();
    const server = new SMTPServer({
      secure: false,
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData: (stream, _session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const source = Buffer.concat(chunks);
          simpleParser(source).then(
            (mail) => {
              this.raw.push(source.toString('utf8'));
              this.mails.push(mail);
              callback();
            },
            (error: Error) => callback(error),
          );
        });
      },
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Polls until `count` mails (optionally matching) arrived, or fails after `timeoutMs`. */
  async waitFor(
    options: { count?: number; timeoutMs?: number; match?: (mail: ParsedMail) => boolean } = {},
  ): Promise<ParsedMail[]> {
    const count = options.count ?? 1;
    const match = options.match ?? (() => true);
    const deadline = Date.now() + (options.timeoutMs ?? 8000);
    for (;;) {
      const found = this.mails.filter(match);
      if (found.length >= count) return found;
      if (Date.now() > deadline) throw new Error(`SMTP: expected ${count} mail(s), got ${found.length}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Mails whose text mentions the pause id. */
  mailsFor(pauseId: string): ParsedMail[] {
    return this.mails.filter((m) => (m.text ?? '').includes(pauseId));
  }
}

/** The decision-page link in a mail's plain-text part (the Approve link, without its query). */
export function decideLink(mail: ParsedMail): string {
  const match = /(https?:\/\/\S+\/decide\/[A-Za-z0-9_-]+)\?decision=approved/.exec(mail.text ?? '');
  if (!match?.[1]) throw new Error('no decision link in the mail');
  return match[1];
}
