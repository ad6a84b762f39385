// The modal a reviewer fills in after clicking Approve or Reject: the proposal in full, and their notes.
import type { View } from '@slack/types';
import type { ApprovalStatus } from '../../approval/schemas.js';
import { REVIEWER_NOTES_MAX } from '../../approval/signals.js';
import { currentStageLabel, whoMayDecide } from './approval-card.js';
import { proposalReviewBlocks } from './proposal.js';
import { CONTEXT_TEXT_MAX, SECTION_TEXT_MAX, slackDate, truncate } from './text.js';

export const DECISION_MODAL_CALLBACK_ID = 'approval_decision_modal';
export const NOTES_BLOCK_ID = 'notes';
export const NOTES_ACTION_ID = 'notes_input';
/** Slack's limit for private_metadata. */
export const PRIVATE_METADATA_MAX = 3000;

export function decisionModal(options: {
  status: ApprovalStatus;
  approved: boolean;
  privateMetadata: string;
}): View {
  const { status, approved } = options;
  if (options.privateMetadata.length > PRIVATE_METADATA_MAX) {
    throw new Error('decision modal metadata is over Slack’s 3000-character limit');
  }
  return {
    type: 'modal',
    callback_id: DECISION_MODAL_CALLBACK_ID,
    private_metadata: options.privateMetadata,
    title: { type: 'plain_text', text: approved ? 'Approve request' : 'Reject request' },
    submit: { type: 'plain_text', text: approved ? 'Approve' : 'Reject' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      ...proposalReviewBlocks({ ...status, status: 'pending' }),
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: truncate(
              `${currentStageLabel(status.stage_names, status.stages)}Expires ${slackDate(status.expires_at)} · May decide: ${whoMayDecide(status.eligibility)}`,
              CONTEXT_TEXT_MAX,
            ),
          },
        ],
      },
      {
        type: 'input',
        block_id: NOTES_BLOCK_ID,
        optional: approved,
        label: { type: 'plain_text', text: approved ? 'Notes (optional)' : 'Reason for rejecting' },
        hint: {
          type: 'plain_text',
          text: approved
            ? 'Shown on the card and in the audit trail.'
            : 'Required. The agent reads it and may adapt its plan; it is shown on the card and in the audit trail.',
        },
        element: {
          type: 'plain_text_input',
          action_id: NOTES_ACTION_ID,
          multiline: true,
          max_length: REVIEWER_NOTES_MAX,
        },
      },
    ],
  };
}

/** A modal that only says something: why a decision cannot be made, or that the request is being checked. */
export function noticeModal(text: string): View {
  return {
    type: 'modal',
    title: { type: 'plain_text', text: 'Countersign' },
    close: { type: 'plain_text', text: 'OK' },
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: truncate(text, SECTION_TEXT_MAX) } }],
  };
}

export const CHECKING_TEXT = ':hourglass_flowing_sand: Checking this request with Countersign…';
