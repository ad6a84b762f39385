// Asking a person about calls: one, the normal case, or the calls of one model turn together. Each call keeps its own
// approval (its card, quorum and stages), in the run's workflow (./approvals.ts; runs from before started a child
// ApprovalWorkflow for each); what they approve runs, in order, and the model is told the rest.
import { ActivityFailure, ParentClosePolicy, startChild, uuid4 } from '@temporalio/workflow';
import { personNeeded, planFor } from '../../approval/policy.js';
import { approvalRecord, type BatchView, type RunOutcome } from '../../approval/run.js';
import type {
  ApprovalInput,
  ApprovalOutcome,
  Proposal,
  ProposalEdit,
  SlackMessageRef,
  TimeoutMeaning,
} from '../../approval/schemas.js';
import { formatDuration } from '../../duration.js';
import { approvalSlack } from '../activities.js';
import { approvalWorkflow } from '../approval.js';
import { failureMessage } from '../call-route.js';
import { CURRENT_PATCH } from '../patches.js';
import { openingAttributes } from '../search-attributes.js';
import type { AgentRun } from './run.js';
import { preparedFor, type Turn } from './take.js';
import { runProposal } from './tool-call.js';

/** What the run does with how an approval ended: run the call (as approved), tell the model, or stop. */
type Verdict =
  | { go: true; approved: Proposal; edits?: ProposalEdit[] }
  | { go: false; tellModel: string }
  | { stop: string };

/**
 * Asks a person about calls and runs what they approve, in order, telling the model the rest. A call the person
 * stopped (withdrawn, expired) stops the run before any of them runs: then the run's outcome.
 */
export async function askAndRun(
  run: AgentRun,
  asks: Proposal[],
  turn: Turn,
): Promise<RunOutcome | undefined> {
  const verdicts =
    asks.length === 1
      ? [(await settleApproval(run, await startApproval(run, asks[0] as Proposal, turn))).verdict]
      : await askTogether(run, asks, turn);
  const stop = verdicts.find((v): v is { stop: string } => 'stop' in v);
  if (stop) return await run.finish({ status: 'cancelled', reason: stop.stop });
  for (const [i, verdict] of verdicts.entries()) {
    const proposal = asks[i] as Proposal;
    const output =
      'go' in verdict && verdict.go
        ? await runProposal(run, turn, verdict.approved, verdict.edits)
        : (verdict as { tellModel: string }).tellModel;
    run.tell(proposal.callId, output);
  }
  return undefined;
}

type Asked = Awaited<ReturnType<typeof startApproval>>;

/** Starts a person's approval of one call, which posts its card and waits. */
async function startApproval(run: AgentRun, proposal: Proposal, turn: Turn) {
  const { input, runId, session } = run;
  const { policy, readBefore } = turn;
  run.unlessStopped();
  run.approvals += 1;
  // Its place in the run, read now: calls asked together start at once, and the counter moves on meanwhile.
  const seq = run.approvals;
  const requestId = uuid4();
  // Its id, which names its workflow where it has one of its own, and its standing approval.
  const approvalId = `${runId}/approval-${seq}`;
  const plan = planFor(proposal, policy);
  const why = personNeeded(proposal, policy, { readOutside: readBefore.length > 0 });
  run.record(
    'verdict',
    'policy',
    {
      call_id: proposal.callId,
      verdict: 'needs_approval',
      risk: proposal.risk,
      rule: plan.rule,
      stages: plan.stages.map((s) => s.name),
      // Only where the risk alone does not say it all: a rule that covers the call, outside content read before.
      ...(why.person && why.because.some((b) => b !== 'risk') ? { because: why.because } : {}),
      ...(readBefore.length > 0 ? { read_outside: readBefore } : {}),
    },
    requestId,
  );
  run.status = 'waiting_for_approval';
  // Read with the model's answer: the approval opens its first stage at once, searchable from its start.
  const opening = preparedFor(turn, proposal, plan.rule)?.approval;
  const approvalInput: ApprovalInput = {
    requestId,
    runId,
    request: input.request,
    requester: input.requester,
    proposal,
    channel: plan.channel ?? input.channel,
    plan,
    // For an edited call's rule: the same policy this run went by.
    policy,
    ...(readBefore.length > 0 ? { readOutside: [...readBefore] } : {}),
    ...(opening ? { prepared: opening } : {}),
    // Its version, from the run's: the approval records no marker of its own.
    ...(run.code.forChildren ? { code: run.code.forChildren } : {}),
  };
  // Where Slack and the Update reach it: the run's own workflow, or (runs from before) a child workflow of its own.
  const inRun = run.code.since(CURRENT_PATCH);
  const workflowId = inRun ? runId : approvalId;
  const pending = { request_id: requestId, workflow_id: workflowId, tool: proposal.tool };
  run.pendingApprovals.push(pending);
  // A child started on the code of set 10 or later is searchable from its start, its first stage open.
  const searchable = opening
    ? { typedSearchAttributes: openingAttributes(input.requester.id, proposal.tool, opening.eligibility) }
    : {};
  const result = inRun
    ? run.approvalsHere.ask(approvalId, approvalInput)
    : // Cancelling a run cancels its approvals, so their cards are updated rather than left live.
      (
        await startChild(approvalWorkflow, {
          workflowId: approvalId,
          parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
          args: [approvalInput],
          ...searchable,
        })
      ).result();
  // Asking goes on meanwhile; the run waits for it when it settles, where a failure is thrown, not lost.
  result.catch(() => undefined);
  if (session) {
    session.task(proposal.callId, proposal.tool, 'waiting_for_approval', {
      approval: { workflowId, requestId },
    });
    await session.show('suspended');
  }
  return { seq, proposal, plan, requestId, workflowId, pending, result };
}

/** Waits for a started approval: how it ended, and what the model should be told or a reason to stop the run. */
async function settleApproval(
  run: AgentRun,
  { seq, proposal, plan, requestId, pending, result }: Asked,
): Promise<{ status: ApprovalOutcome['status']; verdict: Verdict }> {
  const { session, pendingApprovals } = run;
  let approval: ApprovalOutcome;
  try {
    approval = await result;
  } finally {
    pendingApprovals.splice(pendingApprovals.indexOf(pending), 1);
    if (pendingApprovals.length === 0) run.status = 'running';
  }
  run.thread ??= approval.card;
  run.approvalEnded(seq, approvalRecord(proposal.tool, approval, plan.onTimeout));
  const reviewer = approval.decision?.reviewer ?? 'operator';
  run.record(
    'approval_outcome',
    approval.decision ? reviewer : 'system',
    {
      status: approval.status,
      notes: approval.decision?.notes ?? null,
    },
    requestId,
  );
  if (session && approval.status !== 'approved') {
    const by = approval.decision?.reviewer?.name ?? approval.decision?.reviewer?.id ?? 'an operator';
    const notes = approval.decision?.notes ? `: “${approval.decision.notes}”` : '';
    const note = {
      rejected: `rejected by ${by}${notes}`,
      timed_out: 'not approved in time',
      cancelled: approval.failure ?? 'withdrawn before anyone decided',
    }[approval.status];
    session.task(proposal.callId, proposal.tool, approval.status === 'rejected' ? 'rejected' : 'failed', {
      note,
    });
    await session.show(run.working);
  }
  return { status: approval.status, verdict: verdictOf(approval, proposal, plan.onTimeout) };
}

/**
 * Asks for several calls at once: each keeps its own approval, and one more card lists them all, with buttons that
 * decide them in one form. That card is a convenience: if Slack refuses it, the calls' own cards still work.
 */
async function askTogether(run: AgentRun, asks: Proposal[], turn: Turn): Promise<Verdict[]> {
  const { input, runId } = run;
  run.batches += 1;
  const batchId = `${runId}/batch-${run.batches}`;
  const askedAt = new Date().toISOString();
  const started = await Promise.all(asks.map((proposal) => startApproval(run, proposal, turn)));
  const view = (statuses: (ApprovalOutcome['status'] | undefined)[] = []): BatchView => ({
    runId,
    requesterId: input.requester.id,
    request: input.request,
    calls: started.map((s, i) => ({
      workflowId: s.workflowId,
      requestId: s.requestId,
      tool: s.proposal.tool,
      risk: s.proposal.risk,
      arguments: s.proposal.arguments,
      ...(statuses[i] ? { status: statuses[i] } : {}),
    })),
  });
  const channel = started[0]?.plan.channel ?? input.channel;
  let card: SlackMessageRef | undefined;
  try {
    card = await approvalSlack.postBatchCard({ channel, view: view(), batchId, askedAt });
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    run.record('failed', 'system', {
      what: 'the card listing the calls asked together',
      error: failureMessage(error),
    });
  }
  const settled = await Promise.all(started.map((asked) => settleApproval(run, asked)));
  if (card) {
    await approvalSlack
      .updateBatchCard({ card, view: view(settled.map((s) => s.status)) })
      .catch((error: unknown) => {
        if (!(error instanceof ActivityFailure)) throw error;
        run.record('failed', 'system', {
          what: 'updating the card of the calls asked together',
          error: failureMessage(error),
        });
      });
  }
  return settled.map((s) => s.verdict);
}

function verdictOf(approval: ApprovalOutcome, proposal: Proposal, onTimeout: TimeoutMeaning): Verdict {
  switch (approval.status) {
    case 'approved':
      // An approver may have changed the call: what runs is what they approved.
      return approval.proposal
        ? { go: true, approved: approval.proposal, ...(approval.edits ? { edits: approval.edits } : {}) }
        : { go: true, approved: proposal };
    case 'rejected':
      return {
        go: false,
        tellModel: JSON.stringify({
          status: 'rejected_by_reviewer',
          reviewer: approval.decision?.reviewer?.name ?? approval.decision?.reviewer?.id ?? 'an operator',
          reviewer_notes: approval.decision?.notes ?? null,
          instruction: 'Do not retry this exact call. Adapt to the notes, or stop and explain.',
        }),
      };
    case 'timed_out': {
      const waited = formatDuration(approval.timedOut?.afterMs ?? 0);
      if (onTimeout === 'reject') {
        return {
          go: false,
          tellModel: JSON.stringify({
            status: 'not_approved_in_time',
            waited,
            instruction:
              'Nobody approved this call in time, so it was not run. Do not retry it; stop and explain.',
          }),
        };
      }
      return { stop: `cancelled: approval timed out after ${waited}` };
    }
    case 'cancelled':
      if (approval.failure) return { stop: `${approval.failure}; nothing was run` };
      return {
        stop: approval.withdrawnBy
          ? 'withdrawn by the requester before anyone decided'
          : 'cancelled: the approval was cancelled',
      };
  }
}
