// The run's outcome as the requester reads it in the thread.
import type { RunOutcome } from '../../workflows/agent-types.js';
import { FALLBACK_TEXT_MAX, mention, quote, safeText, truncate, withChannelLinks } from './text.js';

/** Actions listed in a result before "and N more". */
const ACTIONS_LISTED_MAX = 10;

export function runResultText(outcome: RunOutcome): string {
  const who = mention(outcome.requester.id);
  const lines: string[] = [];
  switch (outcome.status) {
    case 'completed':
      lines.push(`${who} :white_check_mark: Done.`);
      if (outcome.answer) lines.push(quote(outcome.answer, 1500));
      break;
    case 'cancelled':
      lines.push(`${who} :no_entry_sign: ${safeText(outcome.reason ?? 'cancelled', 500)}`);
      break;
    case 'failed':
      lines.push(`${who} :warning: The run failed: ${safeText(outcome.reason ?? 'unknown error', 800)}`);
      break;
  }
  if (outcome.actions.length > 0) {
    lines.push('*What was done:*');
    for (const action of outcome.actions.slice(0, ACTIONS_LISTED_MAX)) {
      const summary = withChannelLinks(safeText(action.summary, 300));
      lines.push(
        `• ${action.ok ? ':heavy_check_mark:' : ':x:'} \`${safeText(action.tool, 80)}\` — ${summary}`,
      );
    }
    const more = outcome.actions.length - ACTIONS_LISTED_MAX;
    if (more > 0) lines.push(`…and ${more} more`);
  } else if (outcome.status !== 'completed') {
    lines.push('Nothing was run.');
  }
  return truncate(lines.join('\n'), FALLBACK_TEXT_MAX);
}
