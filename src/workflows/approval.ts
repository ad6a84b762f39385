// One approval: its plan's stages in order (./approval/stages.ts), each collecting approvals from distinct people
// until its quorum, any rejection vetoing the whole request. Its state and rules are an ApprovalRequest
// (./approval/request.ts, over src/approval/state.ts); its cards are kept in step with it (./approval/cards.ts) and
// updated in place once it ends. This file wires the messages to the request and runs it top to bottom.
import {
  ActivityFailure,
  allHandlersFinished,
  CancellationScope,
  condition,
  isCancellation,
  setHandler,
} from '@temporalio/workflow';
import type { ApprovalInput, ApprovalOutcome } from '../approval/schemas.js';
import { ApprovalCards } from './approval/cards.js';
import { ApprovalRequest } from './approval/request.js';
import { askStages, prepare } from './approval/stages.js';
import { giveStandingApproval } from './approval/standing.js';
import { activityReason } from './audit.js';
import {
  approvalDecisionSignal,
  approvalStatusQuery,
  submitDecisionUpdate,
  withdrawRequestSignal,
} from './messages.js';
import { metrics } from './sinks.js';

export async function approvalWorkflow(input: ApprovalInput): Promise<ApprovalOutcome> {
  const request = new ApprovalRequest(input);
  answerApprovalMessages(() => request);
  return await askUntilEnded(request);
}

/**
 * Answers an approval's messages in the workflow it lives in, each for the approval `find` gives for the request id
 * the message carries (its own workflow has one; a run, any number: ./agent/approvals.ts).
 */
export function answerApprovalMessages(find: (requestId: unknown) => ApprovalRequest): void {
  setHandler(approvalStatusQuery, (requestId) => find(requestId).snapshot);
  // The Slack app's path: the reviewer learns at once whether their decision counted, and why not. A decision the
  // rules refuse as it arrives is refused by the validator, which writes nothing to the history: refused clicks
  // cannot grow it. The Slack app audits those refusals in its own log.
  setHandler(submitDecisionUpdate, (payload) => find(payload?.request_id).submit(payload), {
    validator: (payload) => find(payload?.request_id).validate(payload),
  });
  // Public API (the recipe's CLI command, operators): fire and forget; never throws, so a bad payload cannot fail a task.
  setHandler(approvalDecisionSignal, (raw) => void find(requestIdOf(raw)).decide(raw, 'signal'));
  setHandler(withdrawRequestSignal, (raw) => find(requestIdOf(raw)).withdraw(raw));
}

/** A signal's request id, read from a payload nothing has checked yet. */
function requestIdOf(raw: unknown): unknown {
  return typeof raw === 'object' && raw !== null ? (raw as { request_id?: unknown }).request_id : undefined;
}

/**
 * Asks for an approval until it ends, then shows how it ended: in a workflow of its own, as above, or in its run's
 * (./agent/approvals.ts), whose handlers route the same messages to it by request id.
 */
export async function askUntilEnded(request: ApprovalRequest): Promise<ApprovalOutcome> {
  const cards = new ApprovalCards(request);
  request.recordRequested();
  try {
    const firstApprovers = await prepare(request);
    // An edit starts the stages over for the edited call (of a stricter plan, if it went to one).
    let asked = await askStages(request, cards, { edited: false, firstApprovers });
    while (asked === 'edited') asked = await askStages(request, cards, { edited: true });
    if (request.pending) request.snapshot.status = 'approved';
    await giveStandingApproval(request);
  } catch (error) {
    if (isCancellation(error)) request.cancel();
    // Slack made it impossible to go on asking (approvers that cannot be resolved, an outage past every retry): end
    // the request visibly, nothing run, rather than leave buttons that lead nowhere.
    else if (error instanceof ActivityFailure)
      request.fail(`Slack could not be asked: ${activityReason(error)}`);
    else throw error;
  }
  const { snapshot } = request;
  const stage = request.stage;
  if (stage?.status === 'pending') stage.status = snapshot.status;
  request.index();
  request.ended = true;

  // Runs even when this workflow is being cancelled: no card may keep live buttons. Where the decision that ended the
  // request came through the Update, its answer carries the request as it ended, and the decider updates the cards;
  // an approval in its run leaves the wait for that answer to the run, which has other handlers to wait for.
  await CancellationScope.nonCancellable(async () => {
    if (!request.cardsToDecider) await cards.update();
    else if (!request.livesInRun) await condition(allHandlersFinished);
  });
  // How long the request waited, in workflow time.
  const waitedMs = Date.now() - Date.parse(snapshot.requested_at);
  request.record('approval_outcome', 'system', { status: snapshot.status, waited_ms: waitedMs });
  metrics.approvalEnded(snapshot.status, waitedMs);
  return request.outcome();
}
