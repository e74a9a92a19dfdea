import { WebClient } from '@slack/web-api';
import { pino } from 'pino';
import { parsePolicy } from '../../../src/domain/policy/index.js';
import { JobKind, type JobKindName, jobId } from '../../../src/jobs/job-kinds.js';
import { SlackAudience } from '../../../src/slack/audience.js';
import type { SlackDeps } from '../../../src/slack/deps.js';
import { IdentityResolver } from '../../../src/slack/identity.js';
import { postRequestJob } from '../../../src/slack/jobs/post-request.js';
import { slackLogger } from '../../../src/slack/logger.js';
import { SlackChannelMembership } from '../../../src/slack/membership.js';
import { MemoryStore } from '../../../src/store/memory-store.js';
import type { Job } from '../../../src/store/ports/jobs.js';
import { ApprovalService } from '../../../src/use-cases/approval-service.js';
import type { FakeSlack } from '../../helpers/fake-slack.js';
import { FALLBACK_MS, ManualClock, UNIT_SIGNING_SECRET } from '../../helpers/use-cases.js';

/**
 * Slack job handlers called directly, over real SlackDeps: an ApprovalService on a MemoryStore with
 * a manual clock and an operator policy, and the real @slack/web-api client against the fake Slack
 * Web API. Each test runs the job it is about, when it likes: the clock, not a timer, says what is due.
 */
export interface JobWorld {
  deps: SlackDeps;
  service: ApprovalService;
  store: MemoryStore;
  clock: ManualClock;
  /** request_approval as `agentId`, then the slack.post job: posted to its Slack route. */
  posted(action: string, agentId?: string): Promise<string>;
  /** A job as the runner hands it over: a step job with `step`. */
  job<K extends JobKindName>(kind: K, pauseId: string, step?: number): Job<K>;
  /** A Slack user's vote, as the Slack listener casts it (identities: the id and its e-mail). */
  vote(pauseId: string, userId: string, decision?: 'approved' | 'rejected'): Promise<string>;
}

export function jobWorld(fake: FakeSlack, policyYaml: string, owners: Record<string, string> = {}): JobWorld {
  const parsed = parsePolicy(policyYaml);
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  const policy = parsed.policy;
  const store = new MemoryStore();
  const clock = new ManualClock();
  const logger = pino({ level: 'silent' });
  const client = new WebClient('xoxb-test', {
    slackApiUrl: fake.apiUrl,
    logger: slackLogger(logger),
    retryConfig: { retries: 0 },
  });
  const identity = new IdentityResolver(client, logger);
  const service = new ApprovalService({
    store,
    signingSecret: UNIT_SIGNING_SECRET,
    slackEnabled: true,
    emailFallbackAfterMs: FALLBACK_MS,
    now: clock.now,
    policy: { current: () => policy },
    ownerOf: async (agentId) => owners[agentId],
    identities: identity,
  });
  const audience = new SlackAudience(identity, new SlackChannelMembership(client, logger), clock.now);
  const deps: SlackDeps = { service, store, client, identity, audience, logger };
  const job = <K extends JobKindName>(kind: K, pauseId: string, step?: number): Job<K> =>
    ({
      id: jobId(kind, pauseId, step),
      kind,
      data: step === undefined ? { pause_id: pauseId } : { pause_id: pauseId, step },
      run_at: clock.now(),
      attempts: 1,
    }) as Job<K>;
  return {
    deps,
    service,
    store,
    clock,
    job,
    async posted(action, agentId = 'agent-a') {
      const { pause_id } = await service.request(agentId, { action_description: action, action_details: {} });
      await postRequestJob(deps)(job(JobKind.slackPost, pause_id));
      return pause_id;
    },
    async vote(pauseId, userId, decision = 'approved') {
      const { ids, email } = await identity.identities(userId);
      const result = await service.decide(pauseId, {
        decision,
        responder: email ?? userId,
        channel: 'slack',
        identities: ids,
      });
      return result.outcome;
    },
  };
}
