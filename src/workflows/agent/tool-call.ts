// Running one call the run may run (at once, under a standing approval, or as approved), and what the model is told
// of it.
import type { ThenAskModel } from '../../activities/tools.js';
import { actionOf, toolOutput } from '../../approval/call-result.js';
import type { ActionRecord } from '../../approval/run.js';
import type { Proposal, ProposalEdit } from '../../approval/schemas.js';
import { runCall } from '../call-route.js';
import type { AgentRun } from './run.js';
import type { Turn } from './take.js';

/**
 * Runs a call; `edits`: how approvers changed it, which the model is told with the result; `standing`: the standing
 * approval it ran under, for the thread. Returns what the model is told. Where the turn says so (Turn's `goesOn`), the
 * model's next step is taken in the call's own activity and kept for the run's next turn (AgentRun's `continued`).
 */
export async function runProposal(
  run: AgentRun,
  turn: Turn,
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
  const then = turn.goesOn ? thenAskModel(run, turn, proposal, edits, standing) : undefined;
  const { next, ...result } = await runCall(
    proposal,
    run.input.requester.id,
    `${run.runId}/${proposal.callId}`,
    then,
  );
  if (next) run.continued = next;
  const action = actionOf(proposal, result, standing);
  run.actions.push(action);
  record('result', 'system', { call_id: proposal.callId, tool: proposal.tool, ...result });
  if (session) {
    const state = result.ok ? 'done' : action.unknown ? 'may_have_run' : 'failed';
    session.task(proposal.callId, proposal.tool, state, result.ok ? {} : { note: action.summary });
    await session.show(run.working);
  }
  return toolOutput(proposal, result, edits);
}

/** The model's next step as the run would ask it after this call: the same conversation, reads and reply. */
function thenAskModel(
  run: AgentRun,
  turn: Turn,
  proposal: Proposal,
  edits: ProposalEdit[],
  standing: ActionRecord['standing'] | undefined,
): ThenAskModel {
  return {
    callId: proposal.callId,
    conversation: [...run.conversation],
    context: { ...run.asking, policy: turn.policy },
    edits,
    ...(standing ? { standing } : {}),
  };
}
