// `/agent status <run id>` and `/agent cancel <run id>`: what the person asking reads.
import type { KnownBlock } from '@slack/types';
import type { AgentStatus } from '../../approval/run.js';
import {
  confirmedButton,
  escapeMrkdwn,
  FALLBACK_TEXT_MAX,
  mention,
  quote,
  SECTION_TEXT_MAX,
  safeText,
  slackDate,
  truncate,
} from './text.js';

export const WITHDRAW_ACTION_ID = 'run_withdraw';

/** Characters of the request quoted back in its acknowledgement. */
const ACKNOWLEDGED_REQUEST_MAX = 300;

/** What the requester reads once their request is taken: the request as they wrote it, what happens next, the run id. */
export function runAcknowledgementText(request: string, runId: string): string {
  return `:hourglass_flowing_sand: On it: “${escapeMrkdwn(truncate(request, ACKNOWLEDGED_REQUEST_MAX))}”. Low-risk steps run at once; anything risky waits for an approver. Run \`${runId}\`.`;
}

/** The requester's own acknowledgement of `/agent`: the text, and a button to withdraw the request later. */
export function runAcknowledgement(text: string, runId: string): KnownBlock[] {
  return [
    { type: 'section', text: { type: 'mrkdwn', text: truncate(text, SECTION_TEXT_MAX) } },
    {
      type: 'actions',
      block_id: 'run_actions',
      elements: [
        confirmedButton({
          actionId: WITHDRAW_ACTION_ID,
          text: 'Withdraw request',
          value: runId,
          question: 'Withdraw this request?',
          consequence: 'If it waits for approval, nothing will run and its card will say so.',
        }),
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

/**
 * The one answer for a run id that names no run *and* for a run that is not the asker's: the same words, so that
 * a run id alone reveals neither what the run asked for nor that it exists.
 */
export function noRunText(runId: string): string {
  return `:grey_question: No run with id \`${safeText(runId, 100)}\` for you. A run is shown only to the person who asked for it and to its approvers, and only the person who asked can withdraw it.`;
}

/** The requester's run is not waiting on a person, so there is nothing to withdraw. */
export function nothingToWithdrawText(status: Pick<AgentStatus, 'run_id' | 'status'>): string {
  return `:information_source: Nothing to withdraw: run \`${safeText(status.run_id, 100)}\` is not waiting for an approval (it is ${status.status.replaceAll('_', ' ')}).`;
}

/** Stopped while the model or a tool was at work: nothing was waiting, and the run does nothing more. */
export function stoppedText(runId: string): string {
  return `:octagonal_sign: Stopping run \`${safeText(runId, 100)}\`: it does nothing more after the step it is on, and says so in the thread.`;
}

export function withdrawnText(runId: string, tool: string): string {
  return `:no_entry_sign: Withdrawn: run \`${safeText(runId, 100)}\` will not \`${safeText(tool, 80)}\`; its approval card is being updated.`;
}

/** The withdrawal was sent but Temporal did not confirm it in time: it may or may not have arrived. */
export function withdrawUnconfirmedText(runId: string): string {
  const id = safeText(runId, 100);
  return `:warning: Countersign could not confirm in time that run \`${id}\` was withdrawn. Check with \`/agent status ${id}\` in a moment, and withdraw again if it still waits for approval.`;
}

/** Shown while a slow Temporal is still being asked; the answer follows in a second message. */
export const STILL_CHECKING_TEXT =
  ":hourglass_flowing_sand: Checking with Countersign's workflow service (Temporal), which is slow to answer right now; the answer follows here.";
