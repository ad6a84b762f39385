// The run's outcome as the requester reads it in the thread.
import type { RunOutcome } from '../../approval/run.js';
import { FALLBACK_TEXT_MAX, mention, quote, safeText, slackDate, withChannelLinks } from './text.js';

/** Approvals and actions each listed before "…and N more". */
const LISTED_MAX = 10;
/** Per-line budgets that let ten of each fit in one message. */
const SUMMARY_MAX = 200;
const NOTES_IN_LIST_MAX = 300;
/** A rule's name: "default", "risk high", "tool <name>" or "server <name>", names a policy file keeps short. */
const RULE_NAME_MAX = 100;
/** Room kept for the "…and N more" line when the list has to be cut. */
const MORE_LINE_RESERVE = 40;

/** Up to LISTED_MAX items that fit in `room` characters, then "…and N more" for the rest. */
function listWithin(items: string[], room: number): string[] {
  const lines: string[] = [];
  let used = MORE_LINE_RESERVE;
  for (const item of items.slice(0, LISTED_MAX)) {
    if (used + item.length + 1 > room) break;
    lines.push(item);
    used += item.length + 1;
  }
  if (lines.length < items.length) lines.push(`…and ${items.length - lines.length} more`);
  return lines;
}

function approvalLine(approval: RunOutcome['approvals'][number]): string {
  const by = approval.reviewer ? mention(approval.reviewer.id) : 'an operator';
  const approvers =
    approval.approvedBy.length > 0
      ? approval.approvedBy.map((p) => (p === 'operator' ? 'an operator' : mention(p.id))).join(', ')
      : by;
  const verdict = {
    approved: `:white_check_mark: approved by ${approvers}`,
    rejected: `:x: rejected by ${by}`,
    timed_out:
      approval.timeoutMeant === 'reject'
        ? ':hourglass: not approved in time, so treated as rejected'
        : ':hourglass: not decided in time',
    cancelled: ':no_entry_sign: cancelled',
  }[approval.status];
  const notes = approval.notes ? ` — “${safeText(approval.notes, NOTES_IN_LIST_MAX)}”` : '';
  return `\`${safeText(approval.tool, 80)}\` ${verdict}${notes}`;
}

function actionLine(action: RunOutcome['actions'][number]): string {
  const summary = withChannelLinks(safeText(action.summary, SUMMARY_MAX));
  const icon = action.ok ? ':heavy_check_mark:' : action.unknown ? ':warning:' : ':x:';
  const rule = action.standing?.rule
    ? ` under the rule “${safeText(action.standing.rule, RULE_NAME_MAX)}”`
    : '';
  const standing = action.standing
    ? ` _(no card: under the standing approval ${mention(action.standing.grantor.id)} gave${rule}, until ${slackDate(action.standing.expires_at)})_`
    : '';
  return `• ${icon} \`${safeText(action.tool, 80)}\` — ${summary}${standing}`;
}

export function runResultText(outcome: RunOutcome): string {
  const who = mention(outcome.requester.id);
  const head: string[] = [];
  switch (outcome.status) {
    case 'completed':
      head.push(`${who} :white_check_mark: Done.`);
      if (outcome.answer) head.push(quote(outcome.answer, 1200));
      break;
    case 'cancelled':
      head.push(`${who} :no_entry_sign: ${safeText(outcome.reason ?? 'cancelled', 500)}`);
      break;
    case 'failed':
      head.push(`${who} :warning: The run failed: ${safeText(outcome.reason ?? 'unknown error', 800)}`);
      break;
  }
  const tail = outcome.actions.length === 0 && outcome.status !== 'completed' ? ['Nothing was run.'] : [];
  const lines = [...head];
  const room = () => FALLBACK_TEXT_MAX - [...lines, ...tail].join('\n').length;
  lines.push(...listWithin(outcome.approvals.map(approvalLine), room() / 2));
  if (outcome.actions.length > 0) {
    lines.push('*What was done:*');
    lines.push(...listWithin(outcome.actions.map(actionLine), room()));
  }
  return [...lines, ...tail].join('\n');
}
