export { currentApprovers, escalationsDue, identityCheck, mayDecide } from './approvers.js';
export { ANY_ADMIN, decidersOf } from './deciders.js';
export { awayOn, standIn, withDelegate } from './delegated.js';
export { type VoteNotice, voteNoticeText } from './notices.js';
export type { ApprovalPlan } from './plan.js';
export { type Approval, approvalsOf, hasVoted, mergedFields, outcomeOf, type Vote, voterKeys } from './votes.js';
