import { sha256Hex } from '../domain/hash.js';

/**
 * Every Redis key LoopPause uses is named here. Scripts get theirs as KEYS, except where the key
 * is known only inside the script: then they complete a prefix from here (`pause('')` + id, `base`
 * + `all`, `waiting:<hash>` or an audit key), and the key below says which script does. The whole
 * prefix is a hash tag, so in Redis Cluster all keys share one slot and every script may touch
 * several of them.
 */
export function redisKeys(prefix: string) {
  const base = `{${prefix}}:`;
  return {
    base,
    /** A pause's hash (pause-codec.ts). Scripts build it from `pause('')`: create-9.lua (an idempotency or join key's pause), sweep-4.lua. */
    pause: (pauseId: string) => `${base}pause:${pauseId}`,
    idempotency: (agentId: string, key: string) => `${base}idem:${sha256(agentId)}:${sha256(key)}`,
    /** A tool call's session, tool and input: the pause that asks about it (create-9.lua). */
    toolJoin: (agentId: string, key: string) => `${base}join:${sha256(agentId)}:${sha256(key)}`,
    agentAll: (agentId: string) => `${base}agent:${sha256(agentId)}:all`,
    agentPending: (agentId: string) => `${base}agent:${sha256(agentId)}:pending`,
    /** Pending pauses by deadline: the sweeper pops due ones, no scan of every pause. */
    expiry: `${base}expiry`,
    /** Pending pauses that went to Slack, by creation time: `/looppause`. */
    slackPending: `${base}slack:pending`,
    /** Job ids by run time, and their bodies and attempt counts (stored under their first name, `tasks:`, so queued work survives an upgrade). */
    jobQueue: `${base}tasks:queue`,
    jobData: `${base}tasks:data`,
    jobAttempts: `${base}tasks:attempts`,
    decisionToken: (tokenHash: string) => `${base}token:${tokenHash}`,
    apiKeys: `${base}apikeys`,
    apiKeyNames: `${base}apikeys:names`,
    rateLimit: (subject: string, window: number) => `${base}rl:${sha256(subject)}:${window}`,
    /** Pub/sub channel: `<pause_id> <status>` whenever a pause changes: created or a vote counted (`pending`), and its ending. */
    events: `${base}events`,
    /** Pub/sub channel: `<ms>` whenever work is scheduled (a job, a new deadline), so idle runners wake. */
    wake: `${base}wake`,
    /** Every pause by creation time, trimmed past the index horizon: the dashboard's history. Scripts build it as base + 'all'. */
    allPauses: `${base}all`,
    /**
     * Pending pauses by creation time, one index per decider (decidersOf), for the dashboard's
     * Waiting page. Scripts build it as base + 'waiting:' + deciderHash; a pause's hashes are its `wk`.
     */
    waiting: (decider: string) => `${base}waiting:${deciderHash(decider)}`,
    /** Set once every pause pending before the waiting indexes existed has been put in them. */
    waitingIndexed: `${base}waiting-indexed`,
    /** Written before a WAIT that must cover what a read saw (replica-barrier.ts); its value means nothing. */
    replicated: `${base}replicated`,
    /** The audit log (scripts build these from base, lua/includes/audit.lua): entries, their numbering, one pause's entry ids. */
    audit: `${base}audit`,
    auditSeq: `${base}audit:seq`,
    /** Sealing: each entry's prev by seq, the last sealed entry (seq, hash, stream id), the chain's start after trimming. */
    auditPrev: `${base}audit:prev`,
    auditSealed: `${base}audit:sealed`,
    auditAnchor: `${base}audit:anchor`,
    pauseTimeline: (pauseId: string) => `${base}pause:${pauseId}:audit`,
  };
}

export type RedisKeys = ReturnType<typeof redisKeys>;

/** A decider's part of its waiting index's name (hex: a pause's `wk` lists them space-separated). */
export function deciderHash(decider: string): string {
  return sha256(decider);
}

function sha256(text: string): string {
  return sha256Hex(text).slice(0, 32);
}

/** MCP task records, under the same hash tag; `mcptask`, as `tasks:` names the job queue. */
export function redisTaskKeys(base: RedisKeys['base']) {
  return {
    task: (taskId: string) => `${base}mcptask:${taskId}`,
    /** Task ids of one agent by creation time: tasks/list. */
    agentTasks: (agentId: string) => `${base}agent:${sha256(agentId)}:mcptasks`,
  };
}

/** Webhooks, under the same hash tag: the endpoint registry and the state of deliveries. */
export function redisWebhookKeys(base: RedisKeys['base']) {
  return {
    /** Endpoint id → endpoint JSON. */
    endpoints: `${base}webhook:endpoints`,
    /** One event's body and whether it was fanned out (a hash, expiring after the last retry). */
    event: (eventId: string) => `${base}webhook:event:${eventId}`,
    /** Delivery job id → failed attempts so far, while the delivery is unsettled. */
    pending: `${base}webhook:pending`,
    /** `<endpoint> <event>` → dead letter JSON, and the same members by failure time. */
    deadLetters: `${base}webhook:dead`,
    deadLetterOrder: `${base}webhook:dead:order`,
  };
}

/** Dashboard sign-in links and sessions, under the same hash tag, by the hash of the secret. */
export function redisSessionKeys(base: RedisKeys['base']) {
  return {
    signInToken: (tokenHash: string) => `${base}dash:link:${tokenHash}`,
    session: (idHash: string) => `${base}dash:session:${idHash}`,
  };
}

/** Redeemed receipts, under the same hash tag, by the hash of their `jti`: each expires with its receipt. */
export function redisReceiptKeys(base: RedisKeys['base']) {
  return {
    redeemed: (jti: string) => `${base}receipt:redeemed:${sha256(jti)}`,
  };
}

/** Delegations in force: one hash, a field per away person's human key (set-delegation-1.lua, end-delegation-1.lua). */
export function redisDelegationKeys(base: RedisKeys['base']) {
  return {
    all: `${base}delegations`,
  };
}
