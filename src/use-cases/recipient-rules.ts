import { LoopPauseError } from '../domain/errors.js';
import type { ApprovalRequest } from '../domain/schemas.js';

/** The operator's limits on where agents may send requests (until a policy routes them). */
export interface RecipientRules {
  /** Without a Slack surface, `recipient_slack` alone cannot reach anyone. */
  slackEnabled: boolean;
  /** E-mail recipients and e-mail approvers only in these domains (lower case; unset: any). */
  allowedEmailDomains?: readonly string[] | undefined;
  /** `recipient_slack` only one of these: `#name` (lower case), a channel id or a user id (unset: any). */
  allowedSlackChannels?: readonly string[] | undefined;
}

/**
 * `request`: where the request goes (a Slack route alone needs Slack). `chosen`: what of it the agent
 * chose rather than the operator's policy (all of it without a policy), which the allow-lists bound:
 * a prompt-injected agent must not route an approval to an address or a DM it controls.
 */
export function checkRecipients(request: ApprovalRequest, rules: RecipientRules, chosen: AgentChosen = request): void {
  if (request.recipient_slack !== undefined && !rules.slackEnabled && request.recipient_email === undefined) {
    throw new LoopPauseError(
      'invalid_argument',
      'recipient_slack: Slack is not configured on this LoopPause server; give recipient_email instead',
      'recipient_slack',
    );
  }
  checkEmailDomains(chosen, rules.allowedEmailDomains);
  checkSlackDestination(chosen, rules.allowedSlackChannels);
}

/** The recipients and approvers the agent itself chose. */
export type AgentChosen = Pick<ApprovalRequest, 'recipient_email' | 'recipient_slack' | 'approvers'>;

/** Whether approvals may be e-mailed to `address` under the allow-list (unset: anywhere). */
export function emailDomainAllowed(address: string, allowed: readonly string[] | undefined): boolean {
  return !allowed || allowed.includes(address.slice(address.lastIndexOf('@') + 1).toLowerCase());
}

function checkEmailDomains(request: AgentChosen, allowed: readonly string[] | undefined): void {
  if (!allowed) return;
  const addresses: [string, string][] = [];
  if (request.recipient_email !== undefined) addresses.push(['recipient_email', request.recipient_email]);
  for (const [i, approver] of (request.approvers ?? []).entries()) {
    if (approver.includes('@')) addresses.push([`approvers.${i}`, approver]);
  }
  for (const [field, address] of addresses) checkEmailDomain(field, address, allowed);
}

/** Refuses `address` (`invalid_argument` naming `field`) when it is outside the allow-list. */
export function checkEmailDomain(field: string, address: string, allowed: readonly string[] | undefined): void {
  if (emailDomainAllowed(address, allowed)) return;
  const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
  throw new LoopPauseError(
    'invalid_argument',
    `${field}: ${domain} is not a domain this LoopPause server sends approvals to (allowed: ${allowed?.join(', ')})`,
    field,
  );
}

function checkSlackDestination(request: AgentChosen, allowed: readonly string[] | undefined): void {
  const target = request.recipient_slack;
  if (!allowed || target === undefined) return;
  if (allowed.includes(target.startsWith('#') ? target.toLowerCase() : target)) return;
  throw new LoopPauseError(
    'invalid_argument',
    `recipient_slack: ${target} is not a Slack destination this LoopPause server sends approvals to (allowed: ${allowed.join(', ')})`,
    'recipient_slack',
  );
}
