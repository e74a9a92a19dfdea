import type { Pause } from '../../domain/pause.js';
import { CallbackId, fieldBlockId, ModalIds, type ModalMetadata } from '../ids.js';
import { askerContext } from './common.js';
import { LIMITS, plain } from './escape.js';
import type { KnownBlock, ModalView } from './types.js';

/**
 * The decision modal: a summary, the response fields (required ones enforced when approving)
 * and a comment box, always there. `private_metadata` carries the pause id and the decision.
 */
export function decisionModal(
  pause: Pause,
  decision: ModalMetadata['decision'],
  channel?: string,
  remember = false,
): ModalView {
  const approving = decision === 'approved';
  const metadata: ModalMetadata = { pause_id: pause.pause_id, decision, ...(channel ? { channel } : {}) };
  if (remember) metadata.remember = true;
  const blocks: KnownBlock[] = [
    { type: 'section', text: plain(pause.request.action_description, 1000) },
    askerContext(pause),
  ];
  if (approving) {
    for (const field of pause.request.response_fields ?? []) {
      blocks.push({
        type: 'input',
        block_id: fieldBlockId(field.name),
        optional: !field.required,
        label: plain(field.label, 2000),
        element: { type: 'plain_text_input', action_id: ModalIds.fieldAction, max_length: 2000 },
      });
    }
  }
  blocks.push({
    type: 'input',
    block_id: ModalIds.commentBlock,
    optional: true,
    label: { type: 'plain_text', text: approving ? 'Comment (optional)' : 'Reason (optional)' },
    element: { type: 'plain_text_input', action_id: ModalIds.commentAction, multiline: true, max_length: 2000 },
  });
  return {
    type: 'modal',
    callback_id: CallbackId.decision,
    private_metadata: JSON.stringify(metadata).slice(0, LIMITS.privateMetadata),
    title: {
      type: 'plain_text',
      text: remember ? 'Approve for session' : approving ? 'Approve request' : 'Reject request',
    },
    submit: { type: 'plain_text', text: approving ? 'Approve' : 'Reject' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: blocks.slice(0, LIMITS.modalBlocks),
  };
}

export function parseModalMetadata(raw: string): ModalMetadata | undefined {
  try {
    const value = JSON.parse(raw) as Partial<ModalMetadata>;
    if (typeof value.pause_id !== 'string') return undefined;
    if (value.decision !== 'approved' && value.decision !== 'rejected') return undefined;
    return {
      pause_id: value.pause_id,
      decision: value.decision,
      ...(typeof value.channel === 'string' ? { channel: value.channel } : {}),
      ...(value.remember === true && value.decision === 'approved' ? { remember: true as const } : {}),
    };
  } catch {
    return undefined;
  }
}
