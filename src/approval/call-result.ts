// What a run keeps of a call it ran: the line in its result (ActionRecord) and what the model is told. Pure, so that
// the workflow and a call's activity that goes on to the model's next step (src/activities/tools.ts) build the same.
import type { ToolOutcome } from '../activities/tools.js';
import type { ActionRecord } from './run.js';
import type { Proposal, ProposalEdit } from './schemas.js';

/** The call as it ran: what approvers let through, edits included. */
type Ran = Pick<Proposal, 'tool' | 'arguments'>;

/** The run's record of a call; `standing`: the standing approval it ran under. */
export function actionOf(
  proposal: Ran,
  result: ToolOutcome,
  standing?: ActionRecord['standing'],
): ActionRecord {
  const unknown = !result.ok && 'unknown' in result;
  const summary = result.ok
    ? result.result.summary
    : unknown
      ? `may have run; check before retrying (${result.error})`
      : result.error;
  return {
    tool: proposal.tool,
    ok: result.ok,
    summary,
    ...(unknown ? { unknown: true } : {}),
    ...(standing ? { standing } : {}),
  };
}

/** What the model is told of a call it proposed: its result, and who changed it before it ran. */
export function toolOutput(proposal: Ran, result: ToolOutcome, edits: ProposalEdit[]): string {
  // The model must know that what ran is not what it proposed, and who changed it.
  const edited =
    edits.length > 0
      ? {
          changed_by_reviewer: edits.map((e) => ({ reviewer: e.by.name ?? e.by.id, changes: e.changes })),
          arguments_run: proposal.arguments,
        }
      : {};
  if (result.ok) return JSON.stringify({ status: 'done', ...edited, ...result.result });
  if ('unknown' in result) {
    return JSON.stringify({
      status: 'outcome_unknown',
      ...edited,
      error: result.error,
      instruction:
        'This call may have run: its outcome is unknown. Do not repeat it. Tell the requester it may have run and to check before retrying.',
    });
  }
  return JSON.stringify({ status: 'failed', ...edited, error: result.error });
}
