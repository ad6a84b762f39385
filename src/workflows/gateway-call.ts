// One call from an MCP client through the gateway (src/gateway/): the same route as a model's proposal in an agent run
// (./call-route.ts), durable while it waits for a person, and its outcome kept for the client that asks again. Its id
// comes from the token and the call's digest, and the gateway attaches to a running one: a client that asks the same
// thing twice while it waits gets the one outcome, never a second run.
import {
  ApplicationFailure,
  allHandlersFinished,
  ChildWorkflowFailure,
  condition,
  ParentClosePolicy,
  patched,
  setHandler,
  startChild,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import { INVALID_APPROVAL_PLAN } from '../activities/failure-types.js';
import { personNeeded } from '../approval/policy.js';
import { type AgentStatus, approvalRecord, type RunOutcome } from '../approval/run.js';
import type {
  ApprovalInput,
  ApprovalOutcome,
  AuditEvent,
  GatewayCall,
  GatewayOutcome,
} from '../approval/schemas.js';
import { run } from './activities.js';
import { RunApprovals } from './agent/approvals.js';
import { approvalWorkflow } from './approval.js';
import { recorder } from './audit.js';
import { failureMessage, routeCall, runCall } from './call-route.js';
import { agentStatusQuery } from './messages.js';
import { CURRENT_PATCH } from './patches.js';

/**
 * However soon a person decides, a client that lost its connection has this long after the decision to ask again and
 * be given the outcome: a laptop's sleep or an IDE's restart, not a day.
 */
const ASK_AGAIN_AFTER_DECISION_MS = 60 * 60_000;

/**
 * Until when a client asking the same call again is given this outcome instead of a new call: the approval's whole
 * possible lifetime (every stage's timeout), and at least ASK_AGAIN_AFTER_DECISION_MS after a decision that came sooner.
 */
export function answerUntilMs(
  askedAtMs: number,
  stageTimeoutsMs: readonly number[],
  decidedAtMs: number,
): number {
  const lifetimeMs = stageTimeoutsMs.reduce((total, timeoutMs) => total + timeoutMs, 0);
  return Math.max(askedAtMs + lifetimeMs, decidedAtMs + ASK_AGAIN_AFTER_DECISION_MS);
}

export async function gatewayCallWorkflow(input: GatewayCall): Promise<GatewayOutcome> {
  const outcome = await answerCall(input);
  // The answer its approval owes a decider (the Update that ended it) goes out before the call ends.
  await condition(allHandlersFinished);
  return outcome;
}

async function answerCall(input: GatewayCall): Promise<GatewayOutcome> {
  const callId = workflowInfo().workflowId;
  const askedAtMs = Date.now();
  const { proposal, requester, client } = input;
  const audit: AuditEvent[] = [];
  const request = `A call from the MCP client “${client.name}”, made through Countersign’s MCP gateway`;
  // Answered as an agent run's status: `/agent status`, and Withdraw in the requester's Home, work on it unchanged.
  const status: AgentStatus = {
    run_id: callId,
    status: 'running',
    request,
    requester,
    started_at: new Date(askedAtMs).toISOString(),
    steps: 1,
    pending_approval: null,
    pending_approvals: [],
    thread: null,
    outcome: null,
    audit,
  };
  const record = recorder(audit, { runId: callId });
  setHandler(agentStatusQuery, () => ({
    ...status,
    pending_approvals: [...(status.pending_approvals ?? [])],
  }));
  const approvals: RunOutcome['approvals'] = [];
  const finish = (outcome: GatewayOutcome): GatewayOutcome => {
    const result = outcome.result;
    status.outcome = {
      status: outcome.status === 'ran' ? 'completed' : 'cancelled',
      requester,
      actions: result
        ? [{ tool: proposal.tool, ok: result.ok, summary: result.ok ? result.result.summary : result.error }]
        : [],
      approvals,
      ...(outcome.status === 'ran'
        ? {}
        : { reason: outcome.reason ?? `${outcome.status.replace('_', ' ')}; nothing was run` }),
    };
    status.status = status.outcome.status;
    record('final', 'system', { status: outcome.status });
    return outcome;
  };
  const runIt = async (approved = proposal, extra: Partial<GatewayOutcome> = {}) => {
    record('execution', 'system', {
      tool: approved.tool,
      arguments: approved.arguments,
      digest: approved.digest,
    });
    const result = await runCall(approved, requester.id, `${callId}/${approved.callId}`);
    record('result', 'system', { tool: approved.tool, ...result });
    return finish({ status: 'ran', result, ...extra });
  };

  record('request', requester, { client: client.name, token_id: client.token_id, tool: proposal.tool });
  record('proposal', 'system', { ...proposal });
  const policy = await run.runPolicy();
  // What the client's agent has read is out of Countersign's sight: every call that can send data out is asked as in a
  // run that read from outside (src/approval/policy.ts), and no standing approval stands in for it.
  const need = personNeeded(proposal, policy, { readOutside: true });
  const route = await routeCall(proposal, policy, need, { requesterId: requester.id, runId: callId });
  if (route.route === 'run_now') {
    record('verdict', 'policy', { verdict: 'run_now', risk: proposal.risk });
    return runIt();
  }
  if (route.route === 'standing') {
    record('verdict', 'policy', {
      verdict: 'standing_approval',
      risk: proposal.risk,
      rule: route.plan.rule,
      grant_id: route.grant.grant_id,
      grantor: route.grant.grantor,
      expires_at: route.until,
    });
    return runIt(proposal, { standing: { grantor: route.grant.grantor, expires_at: route.until } });
  }

  const { plan } = route;
  const requestId = uuid4();
  const readOutside = need.person && need.because.includes('read_outside') ? [client.name] : [];
  record(
    'verdict',
    'policy',
    {
      verdict: 'needs_approval',
      risk: proposal.risk,
      rule: plan.rule,
      stages: plan.stages.map((s) => s.name),
      ...(need.person ? { because: need.because } : {}),
    },
    requestId,
  );
  const approvalId = `${callId}/approval-1`;
  // Its approval lives in this workflow, as a run's do; calls from before asked a child workflow of its own. Asked here,
  // the one place the two differ: a call that had not reached it when the change came takes the new path.
  const inCall = patched(CURRENT_PATCH);
  status.status = 'waiting_for_approval';
  status.pending_approval = {
    workflow_id: inCall ? callId : approvalId,
    request_id: requestId,
    tool: proposal.tool,
  };
  status.pending_approvals = [status.pending_approval];
  const approvalInput: ApprovalInput = {
    requestId,
    runId: callId,
    request,
    requester,
    proposal,
    channel: plan.channel ?? input.channel,
    plan,
    policy,
    ...(readOutside.length > 0 ? { readOutside } : {}),
    // Its approval goes by the current code, and records no marker of its own.
    code: CURRENT_PATCH,
  };
  let approval: ApprovalOutcome;
  try {
    if (inCall) {
      approval = await new RunApprovals().ask(approvalId, approvalInput);
    } else {
      const handle = await startChild(approvalWorkflow, {
        workflowId: approvalId,
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
        args: [approvalInput],
      });
      approval = await handle.result();
    }
  } catch (error) {
    // Its approval could not be asked (a rule with no stages): nothing runs.
    const refused = error instanceof ApplicationFailure && error.type === INVALID_APPROVAL_PLAN;
    if (!(error instanceof ChildWorkflowFailure) && !refused) throw error;
    return finish({ status: 'cancelled', reason: `${failureMessage(error)}; nothing was run` });
  }
  status.status = 'running';
  status.pending_approval = null;
  status.pending_approvals = [];
  status.thread = approval.card;
  approvals.push(approvalRecord(proposal.tool, approval, plan.onTimeout));
  const until = answerUntilMs(
    askedAtMs,
    plan.stages.map((stage) => stage.timeoutMs),
    Date.now(),
  );
  const decided = {
    ...(approval.decision?.reviewer ? { reviewer: approval.decision.reviewer } : {}),
    notes: approval.decision?.notes ?? null,
    answer_until: new Date(until).toISOString(),
  };
  record(
    'approval_outcome',
    approval.decision ? (approval.decision.reviewer ?? 'operator') : 'system',
    { status: approval.status, notes: decided.notes },
    requestId,
  );
  if (approval.status === 'approved') {
    // An approver may have changed the call: what runs is what they approved.
    return runIt(approval.proposal ?? proposal, {
      ...decided,
      ...(approval.edits ? { edits: approval.edits.map((e) => e.changes) } : {}),
    });
  }
  if (approval.status === 'cancelled') {
    return finish({
      status: 'cancelled',
      reason: approval.failure
        ? `${approval.failure}; nothing was run`
        : approval.withdrawnBy
          ? 'withdrawn before anyone decided; nothing was run'
          : 'the approval was cancelled; nothing was run',
      ...decided,
    });
  }
  return finish({ status: approval.status, ...decided });
}
