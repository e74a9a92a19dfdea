export { escapeAndCut, escapeText, LIMITS } from './escape.js';
export { helpMessage } from './help.js';
export { homeView, LIST_PAGE_SIZE, pendingListMessage } from './list.js';
export { decisionModal, parseModalMetadata } from './modal.js';
export { alreadyFinalText, NOT_APPROVER_TEXT, outcomeMessage } from './outcome.js';
export { refusalText, UNCHECKED_NOTE } from './refusal.js';
export { requestMessage } from './request.js';
export type { SlackMessage } from './types.js';
