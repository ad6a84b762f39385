// `/agent status <run id>`: where a run stands, for the person asking.
import type { KnownBlock } from '@slack/types';
import type { AgentStatus } from '../../workflows/agent-types.js';
import {
  BUTTON_VALUE_MAX,
  FALLBACK_TEXT_MAX,
  mention,
  quote,
  SECTION_TEXT_MAX,
  safeText,
  slackDate,
  truncate,
} from './text.js';

export const WITHDRAW_ACTION_ID = 'run_withdraw';

/** The requester's own acknowledgement of `/agent`: the text, and a button to withdraw the request later. */
export function runAcknowledgement(text: string, runId: string): KnownBlock[] {
  return [
    { type: 'section', text: { type: 'mrkdwn', text: truncate(text, SECTION_TEXT_MAX) } },
    {
      type: 'actions',
      block_id: 'run_actions',
      elements: [
        {
          type: 'button',
          action_id: WITHDRAW_ACTION_ID,
          text: { type: 'plain_text', text: 'Withdraw request' },
          value: truncate(runId, BUTTON_VALUE_MAX),
          confirm: {
            title: { type: 'plain_text', text: 'Withdraw this request?' },
            text: {
              type: 'plain_text',
              text: 'If it waits for approval, nothing will run and its card will say so.',
            },
            confirm: { type: 'plain_text', text: 'Withdraw' },
            deny: { type: 'plain_text', text: 'Keep it' },
            style: 'danger',
          },
        },
      ],
    },
  ];
}

const STATUS_WORDS: Record<AgentStatus['status'], string> = {
  running: ':gear: running',
  waiting_for_approval: ':hourglass_flowing_sand: waiting for approval',
  completed: ':white_check_mark: completed',
  cancelled: ':no_entry_sign: cancelled',
  failed: ':warning: failed',
};

export function runStatusText(status: AgentStatus): string {
  const lines = [
    `*Run \`${safeText(status.run_id, 100)}\`* — ${STATUS_WORDS[status.status]}`,
    `Asked by ${mention(status.requester.id)} ${slackDate(status.started_at)}:`,
    quote(status.request, 600),
    `Model steps: ${status.steps}`,
  ];
  if (status.pending_approval) {
    lines.push(
      `Waiting on approval of \`${safeText(status.pending_approval.tool, 80)}\` (request \`${safeText(status.pending_approval.request_id, 80)}\`).`,
    );
  }
  if (status.outcome?.reason) lines.push(`Outcome: ${safeText(status.outcome.reason, 500)}`);
  if (status.outcome?.answer) lines.push(`Answer:\n${quote(status.outcome.answer, 800)}`);
  return truncate(lines.join('\n'), FALLBACK_TEXT_MAX);
}
