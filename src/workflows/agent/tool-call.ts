// Running one call the run may run (at once, under a standing approval, or as approved), and what the model is told
// of it.
import type { ToolOutcome } from '../../activities/tools.js';
import type { ActionRecord } from '../../approval/run.js';
import type { Proposal, ProposalEdit } from '../../approval/schemas.js';
import { runCall } from '../call-route.js';
import type { AgentRun } from './run.js';

/**
 * Runs a call; `edits`: how approvers changed it, which the model is told with the result; `standing`: the standing
 * approval it ran under, for the thread. Returns what the model is told.
 */
export async function runProposal(
  run: AgentRun,
  proposal: Proposal,
  edits: ProposalEdit[] = [],
  standing?: ActionRecord['standing'],
): Promise<string> {
  const { session, record } = run;
  run.unlessStopped();
  record('execution', 'system', {
    call_id: proposal.callId,
    tool: proposal.tool,
    arguments: proposal.arguments,
    digest: proposal.digest,
    repeat: proposal.repeat,
  });
  if (session) {
    session.task(proposal.callId, proposal.tool, 'running');
    await session.show(run.working);
  }
  // From here on what the tool brought in may reach the model, whatever the outcome (a failure quotes it too).
  if (proposal.outside?.reads && !run.readOutside.includes(proposal.tool))
    run.readOutside.push(proposal.tool);
  const result = await runCall(proposal, run.input.requester.id, `${run.runId}/${proposal.callId}`);
  const unknown = !result.ok && 'unknown' in result;
  const summary = result.ok
    ? result.result.summary
    : unknown
      ? `may have run; check before retrying (${result.error})`
      : result.error;
  run.actions.push({
    tool: proposal.tool,
    ok: result.ok,
    summary,
    ...(unknown ? { unknown: true } : {}),
    ...(standing ? { standing } : {}),
  });
  record('result', 'system', { call_id: proposal.callId, tool: proposal.tool, ...result });
  if (session) {
    const state = result.ok ? 'done' : unknown ? 'may_have_run' : 'failed';
    session.task(proposal.callId, proposal.tool, state, result.ok ? {} : { note: summary });
    await session.show(run.working);
  }
  return toolOutput(proposal, result, edits);
}

/** What the model is told of a call it proposed: its result, and who changed it before it ran. */
function toolOutput(proposal: Proposal, result: ToolOutcome, edits: ProposalEdit[]): string {
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
