/** What agent authors import: verify a LoopPause decision without trusting the transport. */
export type { ErrorCode } from './domain/errors.js';
export { LoopPauseError } from './domain/errors.js';
export type { PauseView } from './domain/pause.js';
export type { ApprovalRequestInput } from './domain/schemas.js';
export type { SignedDecision, VerifyExpectations, VerifyResult } from './domain/signing.js';
export { actionDigest, verifyDecision } from './domain/signing.js';
export type { Decision, DecisionChannel, PauseStatus } from './domain/vocabulary.js';
export type {
  ReceiptClaims,
  ReceiptInvalidReason,
  ReceiptJwk,
  ReceiptJwks,
  VerifyReceiptOptions,
  VerifyReceiptResult,
} from './receipts/verify-receipt.js';
export { RECEIPT_TYPE, verifyReceipt } from './receipts/verify-receipt.js';
