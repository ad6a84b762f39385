// `/agent status <run id>`: where a run stands, for the person asking.
import type { AgentStatus } from '../../workflows/agent-types.js';
import { FALLBACK_TEXT_MAX, mention, quote, safeText, slackDate, truncate } from './text.js';

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
