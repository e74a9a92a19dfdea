/** Every action_id, callback_id and block_id the Slack surface sends and listens for. */
export const ActionId = {
  approve: 'looppause_approve',
  reject: 'looppause_reject',
  approveWithComment: 'looppause_approve_comment',
  /** "Approve for this session" on a tool call whose rule sets `remember`; value is the pause id. */
  approveForSession: 'looppause_approve_session',
  /** "More" under the /looppause list; value is the next cursor. */
  listMore: 'looppause_list_more',
  /** "More" on the App Home tab; value is the next cursor. */
  homeMore: 'looppause_home_more',
} as const;

export const CallbackId = {
  decision: 'looppause_decision',
} as const;

/** Block and action ids inside the decision modal. */
export const ModalIds = {
  commentBlock: 'comment',
  commentAction: 'comment_input',
  fieldBlockPrefix: 'field:',
  fieldAction: 'field_input',
} as const;

export const fieldBlockId = (name: string) => `${ModalIds.fieldBlockPrefix}${name}`;

/** What the decision modal carries between views.open and view_submission. */
export interface ModalMetadata {
  pause_id: string;
  decision: 'approved' | 'rejected';
  /** "Approve for this session": the approval also lets the same tool call through for the rule's window. */
  remember?: true;
  /** Where the click happened, for ephemeral replies after the modal closes. */
  channel?: string;
}

export const SLASH_COMMAND = '/looppause';
