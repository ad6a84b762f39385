// The agent loop: request → model → tool calls → policy → (approval) → run → results back to the model,
// until a final answer, a stop, or the step limit. The outcome goes to Slack where the requester asked.
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowFailure,
  ParentClosePolicy,
  patched,
  setHandler,
  startChild,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { ConversationItem, ProposalCheck } from '../activities/llm.js';
import type { ToolOutcome } from '../activities/tools.js';
import { needsApproval, type PersonNeed, personNeeded, planFor } from '../approval/policy.js';
import {
  type ActionRecord,
  type AgentInput,
  type AgentStatus,
  type ApprovalRecord,
  approvalRecord,
  BATCH_MAX,
  type BatchView,
  type RunOutcome,
  type RunStatusName,
} from '../approval/run.js';
import type {
  ApprovalOutcome,
  ApprovalPolicy,
  AuditEvent,
  Person,
  Proposal,
  ProposalEdit,
  SlackMessageRef,
  TimeoutMeaning,
} from '../approval/schemas.js';
import { formatDuration } from '../duration.js';
import { approvalSlack, llm, run, runSlack as slack } from './activities.js';
import { approvalWorkflow } from './approval.js';
import { recorder } from './audit.js';
import { failureMessage, routeCall, runCall } from './call-route.js';
import { agentStatusQuery, stopRunSignal } from './messages.js';
import { AGENT_SESSION_PATCH, BOUNDS_PATCH } from './patches.js';
import { RunSession } from './session.js';

/** Patch id of the change that asks the calls of one model turn together. */
export const BATCH_PATCH = 'calls-asked-together';

/** Patch id of the change that looks for a standing approval before asking a person. */
export const STANDING_PATCH = 'standing-approvals';

/**
 * Patch id of two changes deployed together, under one id because each id costs every new run a marker and an upsert
 * of TemporalChangeVersion: the run's rules come with the model's first answer, in one activity; and a standing
 * approval is looked for only where the call's rule allows one now, so that a policy that stops allowing them (or never
 * did, as for high risk by default) is not worked around by grants given before, and such a call costs no look-up.
 */
export const FEWER_STEPS_PATCH = 'fewer-steps-per-run';

/** Model turns per run: enough for look-up → act → report, small enough that a confused model stops. */
export const MAX_MODEL_STEPS = 8;
/** Consecutive turns with nothing valid proposed before the run gives up on the model. */
export const MAX_INVALID_TURNS = 2;

/**
 * Whether a call waits for a person (src/approval/policy.ts). Runs from before issue 21 went by the risk alone and a
 * standing approval could cover any call; where the answer now differs, the new one holds for runs that start with it.
 */
function personNeedFor(
  proposal: Proposal,
  policy: ApprovalPolicy,
  readBefore: readonly string[],
): PersonNeed {
  const now = personNeeded(proposal, policy, { readOutside: readBefore.length > 0 });
  const before: PersonNeed = needsApproval(proposal.risk, policy.threshold)
    ? { person: true, because: ['risk'], standingMayCover: true }
    : { person: false };
  // The same commands either way: nothing to mark.
  if (now.person === before.person && (!now.person || now.standingMayCover)) return now;
  return patched(BOUNDS_PATCH) ? now : before;
}

/** What the run does with how an approval ended: run the call (as approved), tell the model, or stop. */
type Verdict =
  | { go: true; approved: Proposal; edits?: ProposalEdit[] }
  | { go: false; tellModel: string }
  | { stop: string };

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

/** Thrown at the run's next step once its requester has stopped it; the run then ends, cancelled. */
class RunStopped extends Error {
  override name = 'RunStopped';
}

export async function agentWorkflow(input: AgentInput): Promise<RunOutcome> {
  const runId = workflowInfo().workflowId;
  const startedAt = new Date().toISOString();
  const audit: AuditEvent[] = [];
  const actions: ActionRecord[] = [];
  /** How each approval ended, with its place in the run: calls asked together may settle in any order. */
  const approvalRecords: { seq: number; record: ApprovalRecord }[] = [];
  let status: RunStatusName = 'running';
  let steps = 0;
  let approvals = 0;
  /** Approvals waiting now: one, or the calls of one model turn asked together. */
  const pendingApprovals: NonNullable<AgentStatus['pending_approval']>[] = [];
  let thread: SlackMessageRef | null = null;
  let outcome: RunOutcome | null = null;
  /** Tools whose output from outside the workspace this run has taken in, first first (Proposal's `outside`). */
  const readOutside: string[] = [];
  /** What of it the model had read when it proposed this turn's calls: their own outputs reach it next turn. */
  let readBeforeTurn: readonly string[] = [];

  const record = recorder(audit, { runId });

  // A run asked for in a conversation lives in its thread as an agent session (`/agent` runs, and runs from before
  // sessions, have none and never reach the patch).
  const session =
    input.session && patched(AGENT_SESSION_PATCH)
      ? new RunSession(
          { runId, request: input.request, requesterId: input.requester.id, session: input.session },
          record,
        )
      : undefined;
  /** The session's status while the run works: suspended while any approval waits for a person. */
  const working = () => (pendingApprovals.length > 0 ? 'suspended' : 'processing');

  /** Who stopped the run (Slack's stop button on its agent session): only its requester may. */
  let stoppedBy: Person | undefined;
  setHandler(stopRunSignal, (raw) => {
    const by = (raw as { by?: { id?: unknown; name?: unknown } } | undefined)?.by;
    if (typeof by?.id !== 'string' || by.id !== input.requester.id || stoppedBy) return;
    stoppedBy = { id: by.id, ...(typeof by.name === 'string' ? { name: by.name } : {}) };
    record('cancelled', stoppedBy, { stopped: true });
  });
  /** A stopped run does nothing more: no model step, no card, no tool; it ends with the result so far. */
  const unlessStopped = () => {
    if (stoppedBy) throw new RunStopped();
  };

  setHandler(
    agentStatusQuery,
    (): AgentStatus => ({
      run_id: runId,
      status,
      request: input.request,
      requester: input.requester,
      started_at: startedAt,
      steps,
      pending_approval: pendingApprovals[0] ?? null,
      pending_approvals: [...pendingApprovals],
      thread,
      outcome,
      audit,
    }),
  );

  const finish = async (
    result: Omit<RunOutcome, 'requester' | 'actions' | 'approvals'>,
  ): Promise<RunOutcome> => {
    const approvalsInOrder = approvalRecords.toSorted((a, b) => a.seq - b.seq).map((a) => a.record);
    outcome = { ...result, requester: input.requester, actions, approvals: approvalsInOrder };
    status = outcome.status;
    record('final', 'system', { status: outcome.status, answer: outcome.answer, reason: outcome.reason });
    // The result is built from the requester's reads: it goes where they asked — the conversation's thread, for a run
    // asked for in one — and otherwise in the card's thread only when the card is there too (an approvals channel may
    // hold people who could not read what the run read).
    const where = input.session
      ? { channel: input.session.channel, threadTs: input.session.threadTs }
      : thread && thread.channel === input.channel
        ? { channel: thread.channel, threadTs: thread.ts }
        : { channel: input.channel, threadTs: undefined };
    // A session's stream carries the result into the thread; posted only where it did not.
    if (!(await session?.answer(outcome))) {
      await slack.postRunReply({ ...where, runId, startedAt, outcome });
      await session?.end('active');
    }
    return outcome;
  };

  /** How each approval of the run ended, by its workflow id. */
  const decidedAs = new Map<string, ApprovalOutcome['status']>();

  /** Starts a person's approval of one call: its child workflow posts the card and waits. */
  const startApproval = async (proposal: Proposal, policy: ApprovalPolicy) => {
    unlessStopped();
    approvals += 1;
    // Its place in the run, read now: calls asked together start at once, and the counter moves on meanwhile.
    const seq = approvals;
    const requestId = uuid4();
    const childId = `${runId}/approval-${seq}`;
    const plan = planFor(proposal, policy);
    const readBefore = readBeforeTurn;
    const why = personNeeded(proposal, policy, { readOutside: readBefore.length > 0 });
    record(
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
    status = 'waiting_for_approval';
    const pending = { request_id: requestId, workflow_id: childId, tool: proposal.tool };
    pendingApprovals.push(pending);
    const handle = await startChild(approvalWorkflow, {
      workflowId: childId,
      // Cancelling a run cancels its approvals, so their cards are updated rather than left live.
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      args: [
        {
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
        },
      ],
    });
    if (session) {
      session.task(proposal.callId, proposal.tool, 'waiting_for_approval', { approval: childId });
      await session.show('suspended');
    }
    return { seq, proposal, plan, requestId, childId, pending, handle };
  };

  /** Waits for a started approval; returns what the model should be told, or a reason to stop the run. */
  const settleApproval = async ({
    seq,
    proposal,
    plan,
    requestId,
    pending,
    handle,
  }: Awaited<ReturnType<typeof startApproval>>): Promise<Verdict> => {
    let approval: ApprovalOutcome;
    try {
      approval = await handle.result();
    } finally {
      pendingApprovals.splice(pendingApprovals.indexOf(pending), 1);
      if (pendingApprovals.length === 0) status = 'running';
    }
    decidedAs.set(handle.workflowId, approval.status);
    thread ??= approval.card;
    approvalRecords.push({
      seq,
      record: approvalRecord(proposal.tool, approval, plan.onTimeout),
    });
    const reviewer = approval.decision?.reviewer ?? 'operator';
    record(
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
      await session.show(working());
    }
    return verdictOf(approval, proposal, plan.onTimeout);
  };

  /** Asks a person about one call, and waits for how it ended. */
  const askApproval = async (proposal: Proposal, policy: ApprovalPolicy): Promise<Verdict> =>
    settleApproval(await startApproval(proposal, policy));

  let batches = 0;
  /**
   * Asks for several calls at once: each keeps its own approval (its card, quorum and stages), and one more card
   * lists them all, with buttons that decide them in one form. That card is a convenience: if Slack refuses it, the
   * calls' own cards still work.
   */
  const askTogether = async (asks: Proposal[], policy: ApprovalPolicy): Promise<Verdict[]> => {
    batches += 1;
    const askedAt = new Date().toISOString();
    const started = await Promise.all(asks.map((proposal) => startApproval(proposal, policy)));
    const view = (statuses: (ApprovalOutcome['status'] | undefined)[] = []): BatchView => ({
      runId,
      requesterId: input.requester.id,
      request: input.request,
      calls: started.map((s, i) => ({
        workflowId: s.childId,
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
      card = await approvalSlack.postBatchCard({
        channel,
        view: view(),
        batchId: `${runId}/batch-${batches}`,
        askedAt,
      });
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      record('failed', 'system', {
        what: 'the card listing the calls asked together',
        error: failureMessage(error),
      });
    }
    const verdicts = await Promise.all(started.map(settleApproval));
    if (card) {
      const decided = card;
      await approvalSlack
        .updateBatchCard({ card: decided, view: view(started.map((s) => decidedAs.get(s.childId))) })
        .catch((error: unknown) => {
          if (!(error instanceof ActivityFailure)) throw error;
          record('failed', 'system', {
            what: 'updating the card of the calls asked together',
            error: failureMessage(error),
          });
        });
    }
    return verdicts;
  };

  /**
   * Runs a call; `edits`: how approvers changed it, which the model is told with the result; `standing`: the standing
   * approval it ran under, for the thread.
   */
  const runProposal = async (
    proposal: Proposal,
    edits: ProposalEdit[] = [],
    standing?: ActionRecord['standing'],
  ): Promise<string> => {
    unlessStopped();
    record('execution', 'system', {
      call_id: proposal.callId,
      tool: proposal.tool,
      arguments: proposal.arguments,
      digest: proposal.digest,
      repeat: proposal.repeat,
    });
    if (session) {
      session.task(proposal.callId, proposal.tool, 'running');
      await session.show(working());
    }
    // From here on what the tool brought in may reach the model, whatever the outcome (a failure quotes it too).
    if (proposal.outside?.reads && !readOutside.includes(proposal.tool)) readOutside.push(proposal.tool);
    const result = await runCall(proposal, input.requester.id, `${runId}/${proposal.callId}`);
    const unknown = !result.ok && 'unknown' in result;
    const summary = result.ok
      ? result.result.summary
      : unknown
        ? `may have run; check before retrying (${result.error})`
        : result.error;
    actions.push({
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
      await session.show(working());
    }
    return toolOutput(proposal, result, edits);
  };

  /**
   * One proposed call, as the policy routes it (src/workflows/call-route.ts): an invalid one is answered to the model,
   * one that needs nobody runs now, one a standing approval covers runs under it; one that needs a person is returned,
   * to be asked.
   */
  const takeCall = async (
    check: ProposalCheck,
    policy: ApprovalPolicy,
    needOf: (proposal: Proposal) => PersonNeed,
  ): Promise<Proposal | undefined> => {
    if (!check.ok) {
      record('invalid_proposal', 'model', {
        call_id: check.callId,
        tool: check.name,
        error: check.error,
        raw: check.rawArguments,
      });
      conversation.push({
        type: 'output',
        callId: check.callId,
        output: JSON.stringify({ status: 'not_run', error: check.error }),
      });
      return undefined;
    }
    const { proposal } = check;
    record('proposal', 'model', { ...proposal });
    const route = await routeCall(
      proposal,
      policy,
      needOf(proposal),
      { requesterId: input.requester.id, runId },
      // Runs from before standing approvals never look; runs from before fewer-steps look for every call.
      { byRule: fewerSteps, looks: () => patched(STANDING_PATCH) },
    );
    if (route.route === 'ask') return proposal;
    if (route.route === 'run_now') {
      record('verdict', 'policy', { call_id: proposal.callId, verdict: 'run_now', risk: proposal.risk });
      conversation.push({ type: 'output', callId: proposal.callId, output: await runProposal(proposal) });
      return undefined;
    }
    const { grant, until, plan } = route;
    record('verdict', 'policy', {
      call_id: proposal.callId,
      verdict: 'standing_approval',
      risk: proposal.risk,
      rule: plan.rule,
      grant_id: grant.grant_id,
      grantor: grant.grantor,
      expires_at: until,
    });
    const output = await runProposal(proposal, [], {
      grantor: grant.grantor,
      rule: plan.rule,
      expires_at: until,
    });
    conversation.push({ type: 'output', callId: proposal.callId, output });
    return undefined;
  };

  /**
   * Asks a person about calls (one, the normal case, or several of one model turn together) and runs what they
   * approve, in order, telling the model the rest. A call the person stopped (withdrawn, expired) stops the run before
   * any of them runs: then the run's outcome.
   */
  const askAndRun = async (asks: Proposal[], policy: ApprovalPolicy): Promise<RunOutcome | undefined> => {
    const verdicts =
      asks.length === 1 ? [await askApproval(asks[0] as Proposal, policy)] : await askTogether(asks, policy);
    const stop = verdicts.find((v): v is { stop: string } => 'stop' in v);
    if (stop) return await finish({ status: 'cancelled', reason: stop.stop });
    for (const [i, verdict] of verdicts.entries()) {
      const proposal = asks[i] as Proposal;
      const output =
        'go' in verdict && verdict.go
          ? await runProposal(verdict.approved, verdict.edits)
          : (verdict as { tellModel: string }).tellModel;
      conversation.push({ type: 'output', callId: proposal.callId, output });
    }
    return undefined;
  };

  record('request', input.requester, {
    request: input.request,
    channel: input.channel,
    team: input.teamId,
    // Asked for in a conversation: where (a mention, the Messages tab), its thread, and how many earlier turns it carries.
    ...(input.session
      ? {
          via: input.session.via,
          thread_ts: input.session.threadTs,
          earlier_turns: input.earlier?.length ?? 0,
        }
      : {}),
  });
  await session?.show('processing');
  // A conversation's earlier turns come first, so the model reads the request in its context.
  const conversation: ConversationItem[] = [
    ...(input.earlier ?? []).map(
      (turn): ConversationItem => ({ type: turn.role === 'user' ? 'user' : 'agent', text: turn.text }),
    ),
    { type: 'user', text: input.request },
  ];
  // The rules in force for this run come with the model's first answer, in one activity (runs from before asked
  // for them first, on their own).
  const fewerSteps = patched(FEWER_STEPS_PATCH);
  let rules = fewerSteps ? undefined : await run.runPolicy();
  let invalidTurns = 0;

  try {
    while (steps < MAX_MODEL_STEPS) {
      unlessStopped();
      steps += 1;
      const { policy, next } = rules
        ? { policy: rules, next: await llm.planNextStep(conversation) }
        : await llm.beginRun(conversation);
      rules = policy;
      if (next.kind === 'final') {
        return await finish({ status: 'completed', answer: next.text });
      }
      conversation.push(...next.modelItems);
      const valid = next.checks.filter((c): c is Extract<ProposalCheck, { ok: true }> => c.ok);
      if (session && valid.length > 0) {
        for (const { proposal } of valid) session.task(proposal.callId, proposal.tool, 'pending');
        await session.show('processing');
      }
      invalidTurns = valid.length === 0 ? invalidTurns + 1 : 0;
      readBeforeTurn = [...readOutside];
      const needOf = (proposal: Proposal) => personNeedFor(proposal, policy, readBeforeTurn);

      // Several calls of one turn that need a person are asked together: one card lists them, and one form can
      // decide them all (runs from before this asked one after another).
      const needing = valid.filter((c) => needOf(c.proposal).person).length;
      const together = needing >= 2 && needing <= BATCH_MAX && patched(BATCH_PATCH);
      const asks: Proposal[] = [];

      for (const check of next.checks) {
        const ask = await takeCall(check, policy, needOf);
        if (!ask) continue;
        if (together) {
          asks.push(ask);
          continue;
        }
        const ended = await askAndRun([ask], policy);
        if (ended) return ended;
      }
      if (asks.length > 0) {
        const ended = await askAndRun(asks, policy);
        if (ended) return ended;
      }

      if (invalidTurns >= MAX_INVALID_TURNS) {
        return await finish({
          status: 'failed',
          reason: `the model proposed nothing valid ${MAX_INVALID_TURNS} times in a row; nothing was run for those proposals`,
        });
      }
    }
    return await finish({
      status: 'failed',
      reason: `stopped after ${MAX_MODEL_STEPS} model steps without a final answer`,
    });
  } catch (error) {
    if (error instanceof RunStopped) {
      return await finish({ status: 'cancelled', reason: 'stopped by the requester; nothing more was run' });
    }
    if (error instanceof ActivityFailure || error instanceof ChildWorkflowFailure) {
      record('failed', 'system', { error: failureMessage(error) });
      if (outcome) throw error; // the final reply itself could not be posted: let Temporal show the failure
      const refused = error.cause instanceof ApplicationFailure && error.cause.nonRetryable;
      const modelGaveUp =
        error instanceof ActivityFailure &&
        (error.activityType === 'planNextStep' || error.activityType === 'beginRun') &&
        !refused;
      const reason = modelGaveUp
        ? `the model service kept failing, retries exhausted (last error: ${failureMessage(error)})`
        : failureMessage(error);
      return await finish({ status: 'failed', reason });
    }
    throw error;
  } finally {
    // Every way a run ends closes its session, a cancelled run's too.
    if (session) await CancellationScope.nonCancellable(() => session.end('closed'));
  }
}
