// The form that decides the calls of one model turn at once: each call in full (as on its own form), a choice per
// call, and one field of notes. Pure: data in, Block Kit out.
import type { KnownBlock, View } from '@slack/types';
import type { ApprovalStatus } from '../../approval/schemas.js';
import { REVIEWER_NOTES_MAX } from '../../approval/signals.js';
import { NOTES_ACTION_ID, NOTES_BLOCK_ID, PRIVATE_METADATA_MAX } from './decision-modal.js';
import { proposalReviewBlocks } from './proposal.js';

export const BATCH_MODAL_CALLBACK_ID = 'approval_batch_modal';
export const BATCH_CHOICE_ACTION_ID = 'batch_choice';
/** Slack's limit of blocks in a modal. */
const MODAL_BLOCKS_MAX = 100;

/** The block holding the choice for the call at `index`: errors are shown there. */
export const choiceBlockId = (index: number) => `call_${index}`;

export type BatchChoice = 'approve' | 'reject';

/** The form, or undefined when the calls do not fit one form whole (then each is decided on its own card). */
export function batchModal(options: {
  statuses: ApprovalStatus[];
  preset: BatchChoice | undefined;
  privateMetadata: string;
}): View | undefined {
  if (options.privateMetadata.length > PRIVATE_METADATA_MAX) return undefined;
  const option = (value: BatchChoice) => ({
    text: { type: 'plain_text' as const, text: value === 'approve' ? 'Approve' : 'Reject' },
    value,
  });
  const blocks: KnownBlock[] = options.statuses.flatMap((status, index): KnownBlock[] => [
    {
      type: 'section',
      text: { type: 'mrkdwn', text: `*Call ${index + 1} of ${options.statuses.length}*` },
    },
    ...proposalReviewBlocks({ ...status, status: 'pending' }),
    {
      type: 'input',
      block_id: choiceBlockId(index),
      label: { type: 'plain_text', text: `Your decision on call ${index + 1}` },
      element: {
        type: 'radio_buttons',
        action_id: BATCH_CHOICE_ACTION_ID,
        options: [option('approve'), option('reject')],
        ...(options.preset ? { initial_option: option(options.preset) } : {}),
      },
    },
  ]);
  blocks.push({
    type: 'input',
    block_id: NOTES_BLOCK_ID,
    optional: true,
    label: { type: 'plain_text', text: 'Notes' },
    hint: {
      type: 'plain_text',
      text: 'Required when you reject any: the agent and the requester read it. Shown on each card and in the audit.',
    },
    element: {
      type: 'plain_text_input',
      action_id: NOTES_ACTION_ID,
      multiline: true,
      max_length: REVIEWER_NOTES_MAX,
    },
  });
  if (blocks.length > MODAL_BLOCKS_MAX) return undefined;
  return {
    type: 'modal',
    callback_id: BATCH_MODAL_CALLBACK_ID,
    private_metadata: options.privateMetadata,
    title: { type: 'plain_text', text: 'Decide these calls' },
    submit: { type: 'plain_text', text: 'Submit' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks,
  };
}
