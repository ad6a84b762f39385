// One card for the calls of one model turn that all wait for a person: each listed, with Approve all / Reject all /
// Review each, which open one form to decide them all. Each call keeps its own card (in full, with its thread).
import type { KnownBlock } from '@slack/types';
import type { BatchView } from '../../approval/run.js';
import type { ApprovalRef, ApprovalStatusName } from '../../approval/schemas.js';
import {
  BUTTON_VALUE_MAX,
  CONTEXT_TEXT_MAX,
  mention,
  quote,
  SECTION_TEXT_MAX,
  safeText,
  truncate,
} from './text.js';

export const BATCH_APPROVE_ACTION_ID = 'batch_approve';
export const BATCH_REJECT_ACTION_ID = 'batch_reject';
export const BATCH_REVIEW_ACTION_ID = 'batch_review';

const STATUS_WORDS: Record<ApprovalStatusName, string> = {
  pending: ':hourglass_flowing_sand: waiting',
  approved: ':white_check_mark: approved',
  rejected: ':x: rejected',
  timed_out: ':hourglass: expired',
  cancelled: ':no_entry_sign: cancelled',
};

/** What each button carries: the calls' approvals, so that one click can open one form for all of them. */
export function batchButtonValue(calls: ApprovalRef[]): string {
  return truncate(
    JSON.stringify(calls.map((c) => ({ workflowId: c.workflowId, requestId: c.requestId }))),
    BUTTON_VALUE_MAX,
  );
}

export function batchCardText(view: BatchView): string {
  return `${view.calls.length} calls wait for approval, requested by ${mention(view.requesterId)}`;
}

export function batchCard(view: BatchView): KnownBlock[] {
  const pending = view.calls.some((c) => (c.status ?? 'pending') === 'pending');
  const lines = view.calls.map(
    (c, i) =>
      `${i + 1}. \`${safeText(c.tool, 100)}\` · ${c.risk} risk · ${STATUS_WORDS[c.status ?? 'pending']}\n${quote(JSON.stringify(c.arguments), 300)}`,
  );
  const blocks: KnownBlock[] = [
    {
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: truncate(
          `*${view.calls.length} calls from one request wait for approval* — asked by ${mention(view.requesterId)}\n${quote(view.request, 500)}`,
          SECTION_TEXT_MAX,
        ),
      },
    },
    { type: 'section', text: { type: 'mrkdwn', text: truncate(lines.join('\n'), SECTION_TEXT_MAX) } },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: truncate(
            `Each call also has its own card, in full. Run \`${safeText(view.runId, 100)}\``,
            CONTEXT_TEXT_MAX,
          ),
        },
      ],
    },
  ];
  if (pending) {
    const value = batchButtonValue(view.calls);
    blocks.push({
      type: 'actions',
      block_id: 'batch_decision',
      elements: [
        {
          type: 'button',
          action_id: BATCH_APPROVE_ACTION_ID,
          style: 'primary',
          text: { type: 'plain_text', text: 'Approve all' },
          value,
        },
        {
          type: 'button',
          action_id: BATCH_REJECT_ACTION_ID,
          style: 'danger',
          text: { type: 'plain_text', text: 'Reject all' },
          value,
        },
        {
          type: 'button',
          action_id: BATCH_REVIEW_ACTION_ID,
          text: { type: 'plain_text', text: 'Review each' },
          value,
        },
      ],
    });
  }
  return blocks;
}
