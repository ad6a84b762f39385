// Build: the form a reviewer fills in after clicking Approve or Reject (the proposal in full, and their notes), and
// the form that decides the calls of one model turn at once (each call in full, a choice per call, one field of
// notes). Pure: data in, Block Kit out.
import type { KnownBlock, View } from '@slack/types';
import type { ApprovalStatus } from '../../approval/schemas.js';
import { REVIEWER_NOTES_MAX } from '../../approval/signals.js';
import { standingChoices } from '../../approval/standing.js';
import { formatDuration } from '../../duration.js';
import { currentStageLabel, whoMayDecide } from '../blocks/approval-card.js';
import { editedCallBlocks } from '../blocks/edits.js';
import { proposalReviewBlocks } from '../blocks/proposal.js';
import { CONTEXT_TEXT_MAX, slackDate, truncate } from '../blocks/text.js';
import { type EditMode, editableArgumentBlocks, editModeFor } from './edit-fields.js';

export const DECISION_MODAL_CALLBACK_ID = 'approval_decision_modal';
export const BATCH_MODAL_CALLBACK_ID = 'approval_batch_modal';
export const BATCH_CHOICE_ACTION_ID = 'batch_choice';
export const NOTES_BLOCK_ID = 'notes';
export const NOTES_ACTION_ID = 'notes_input';
export const STANDING_BLOCK_ID = 'standing';
export const STANDING_ACTION_ID = 'standing_for';
export const STANDING_VARY_BLOCK_ID = 'standing_vary';
export const STANDING_VARY_ACTION_ID = 'standing_vary';
/** Slack's checkboxes element takes at most 10 options. */
const VARY_OPTIONS_MAX = 10;

/**
 * "Also allow this same call again for…": offered with an approval where the rule allows standing approvals (and
 * only where one approval decides the request). The arguments the approver lets vary are listed, the rest fixed.
 */
function standingBlocks(status: ApprovalStatus): KnownBlock[] {
  const choices = standingChoices(status.standing_max_ms ?? 0);
  if (choices.length === 0) return [];
  const option = (text: string, value: string) => ({ text: { type: 'plain_text' as const, text }, value });
  const keys = Object.keys(status.proposal.arguments).slice(0, VARY_OPTIONS_MAX);
  return [
    {
      type: 'input',
      block_id: STANDING_BLOCK_ID,
      optional: true,
      label: { type: 'plain_text', text: 'Also allow the same call again, without asking, for' },
      hint: {
        type: 'plain_text',
        text: `Same requester, same tool, same arguments (but the ones ticked below). Revocable from the Home tab; at most ${formatDuration(choices.at(-1) ?? 0)} under this rule.`,
      },
      element: {
        type: 'static_select',
        action_id: STANDING_ACTION_ID,
        placeholder: { type: 'plain_text', text: 'Only this call' },
        options: choices.map((ms) => option(formatDuration(ms), String(ms))),
      },
    },
    ...(keys.length > 0
      ? [
          {
            type: 'input' as const,
            block_id: STANDING_VARY_BLOCK_ID,
            optional: true,
            label: { type: 'plain_text' as const, text: 'Any value of' },
            element: {
              type: 'checkboxes' as const,
              action_id: STANDING_VARY_ACTION_ID,
              options: keys.map((key) => option(truncate(key, 75), key)),
            },
          },
        ]
      : []),
  ];
}
/** Slack's limit for private_metadata. */
export const PRIVATE_METADATA_MAX = 3000;

/** The block holding the batch form's choice for the call at `index`: errors are shown there. */
export const choiceBlockId = (index: number) => `call_${index}`;

export type BatchChoice = 'approve' | 'reject';

/** The notes field both forms end with: required of a rejection (the single form) or optional (checked on submit). */
function notesBlock(options: { optional: boolean; label: string; hint: string }): KnownBlock {
  return {
    type: 'input',
    block_id: NOTES_BLOCK_ID,
    optional: options.optional,
    label: { type: 'plain_text', text: options.label },
    hint: { type: 'plain_text', text: options.hint },
    element: {
      type: 'plain_text_input',
      action_id: NOTES_ACTION_ID,
      multiline: true,
      max_length: REVIEWER_NOTES_MAX,
    },
  };
}

/** Slack's limit of blocks in a modal. */
const MODAL_BLOCKS_MAX = 100;

/**
 * How this form may change the call: only when approving, when the policy allows edits, and when the fields fit the
 * form beside the whole proposal.
 */
export function formEditMode(status: ApprovalStatus, approved: boolean): EditMode {
  if (!approved || !status.allow_edit) return { kind: 'none', why: 'not offered' };
  const mode = editModeFor(status.proposal.arguments);
  if (mode.kind === 'none') return mode;
  // The review, what approvers changed, its context line, the notes, and the standing approval's two fields.
  const blocks =
    proposalReviewBlocks({ ...status, status: 'pending' }).length + editedCallBlocks(status).length + 5;
  const fields = editableArgumentBlocks(status.proposal.arguments, mode).length;
  return blocks + fields <= MODAL_BLOCKS_MAX
    ? mode
    : { kind: 'none', why: 'the form has no room for the fields' };
}

export function decisionModal(options: {
  status: ApprovalStatus;
  approved: boolean;
  privateMetadata: string;
  /** The edit fields to offer (see formEditMode); none by default. */
  edit?: EditMode;
}): View {
  const { status, approved } = options;
  const edit = options.edit?.kind === 'fields' || options.edit?.kind === 'json' ? options.edit : undefined;
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
      ...editedCallBlocks(status),
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
      ...(edit
        ? [
            {
              type: 'section' as const,
              text: {
                type: 'mrkdwn' as const,
                text: `*Change the call before approving* (optional). The changed call is checked again, and approvals given before do not count for it${status.allow_self_approval ? '' : ', nor does yours: you will have written it, so someone else approves it as changed'}.`,
              },
            },
            ...editableArgumentBlocks(status.proposal.arguments, edit),
          ]
        : []),
      ...(approved ? standingBlocks(status) : []),
      notesBlock({
        optional: approved,
        label: approved ? 'Notes (optional)' : 'Reason for rejecting',
        hint: approved
          ? 'Shown on the card and in the audit trail.'
          : 'Required. The agent reads it and may adapt its plan; it is shown on the card and in the audit trail.',
      }),
    ],
  };
}

/** The batch form, or undefined when the calls do not fit one form whole (then each is decided on its own card). */
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
  blocks.push(
    notesBlock({
      optional: true,
      label: 'Notes',
      hint: 'Required when you reject any: the agent and the requester read it. Shown on each card and in the audit.',
    }),
  );
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
