import type { WebClient } from '@slack/web-api';
import type { Logger } from 'pino';
import { neededScope, slackErrorSummary } from './errors.js';

const TTL_MS = 60_000;
const MAX_CHANNELS = 200;
const PAGE_LIMIT = 1000;
/** 100,000 members: beyond that a click would wait on Slack for too long. */
const MAX_PAGES = 100;

/**
 * The members of a channel could not be read: the Slack error code (`missing_scope`, …), and for
 * `missing_scope` the scope Slack said the call needed.
 */
export class MembershipUnreadable extends Error {
  constructor(
    readonly channel: string,
    readonly reason: string,
    readonly needed?: string,
  ) {
    super(`cannot read the members of ${channel}: ${reason}`);
    this.name = 'MembershipUnreadable';
  }
}

/** Who is in a channel. Rejects with MembershipUnreadable rather than guessing. */
export interface ChannelMembership {
  members(channel: string): Promise<ReadonlySet<string>>;
}

/**
 * conversations.members (channels:read, groups:read), every page, cached per channel for a minute;
 * concurrent lookups of one channel share a call. A failure is not cached: the next click asks again.
 */
export class SlackChannelMembership implements ChannelMembership {
  private readonly cache = new Map<string, { at: number; members: Promise<ReadonlySet<string>> }>();

  constructor(
    private readonly client: WebClient,
    private readonly logger: Logger,
  ) {}

  members(channel: string): Promise<ReadonlySet<string>> {
    const hit = this.cache.get(channel);
    if (hit && Date.now() - hit.at < TTL_MS) return hit.members;
    this.cache.delete(channel);
    const oldest = this.cache.keys().next().value;
    if (this.cache.size >= MAX_CHANNELS && oldest !== undefined) this.cache.delete(oldest);
    const entry = { at: Date.now(), members: this.read(channel) };
    this.cache.set(channel, entry);
    entry.members.catch(() => {
      if (this.cache.get(channel) === entry) this.cache.delete(channel);
    });
    return entry.members;
  }

  private async read(channel: string): Promise<ReadonlySet<string>> {
    const members = new Set<string>();
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      let result: Awaited<ReturnType<WebClient['conversations']['members']>>;
      try {
        result = await this.client.conversations.members({ channel, limit: PAGE_LIMIT, ...(cursor ? { cursor } : {}) });
      } catch (error) {
        const needed = neededScope(error);
        this.logger.warn(
          { channel, err: slackErrorSummary(error) },
          'conversations.members failed; channel requests refused',
        );
        if (needed === undefined) throw new MembershipUnreadable(channel, slackErrorSummary(error));
        throw new MembershipUnreadable(channel, 'missing_scope', needed || undefined);
      }
      for (const member of result.members ?? []) members.add(member);
      cursor = result.response_metadata?.next_cursor || undefined;
      if (!cursor) return members;
    }
    throw new MembershipUnreadable(channel, 'too_many_members');
  }
}
