// Who may read or withdraw an agent run from Slack, and what they are told. A run id is printed on every card,
// so knowing one proves nothing: the status goes to the requester and the people the run's approvals name, a
// withdrawal only to the requester, and anyone else reads exactly what an unknown run id gets.
import { type Client, QueryNotRegisteredError, WorkflowNotFoundError } from '@temporalio/client';
import { countedReviewers } from '../approval/policy.js';
import { type AgentStatus, BATCH_MAX } from '../approval/run.js';
import type { ApprovalRef, ApprovalStatus, Eligibility } from '../approval/schemas.js';
import { MAX_MODEL_STEPS } from '../workflows/agent.js';
import { agentStatusQuery, approvalStatusQuery, withdrawRequestSignal } from '../workflows/messages.js';
import { approvalsIn } from './approvals.js';
import {
  noRunText,
  nothingToWithdrawText,
  runStatusText,
  withdrawnText,
  withdrawUnconfirmedText,
} from './blocks/run-status.js';
import { TEMPORAL_UNREACHABLE_TEXT, TemporalTooSlowError, withinSlackDeadline } from './temporal-deadline.js';

/** All the Temporal calls of one status or withdrawal answer share this; past it, the person is told so. */
export const RUN_ANSWER_BUDGET_MS = 10_000;

export interface Asker {
  id: string;
  name?: string | undefined;
}

// ---------------------------------------------------------------------------------------------------------
// The rules: pure functions of what the workflows report
// ---------------------------------------------------------------------------------------------------------

export function mayWithdraw(asker: Pick<Asker, 'id'>, run: Pick<AgentStatus, 'requester'>): boolean {
  return asker.id === run.requester.id;
}

/**
 * Who, besides the requester, may read a run because of this approval: everyone a stage named as an approver,
 * and everyone who decided. A stage open to anyone names nobody: its card is already in front of everyone who
 * could decide, and "anyone in the workspace" would make the run readable to whoever holds its id.
 */
export function approvalReaders(
  approval: Pick<ApprovalStatus, 'eligibility' | 'stages' | 'decision'>,
): Set<string> {
  const named = (eligibility: Eligibility) => (eligibility.kind === 'listed' ? eligibility.users : []);
  return new Set([
    ...named(approval.eligibility),
    ...approval.stages.flatMap((stage) => named(stage.eligibility)),
    ...countedReviewers(approval.stages),
    ...(approval.decision?.reviewer ? [approval.decision.reviewer.id] : []),
  ]);
}

export function maySeeRun(
  asker: Pick<Asker, 'id'>,
  run: Pick<AgentStatus, 'requester'>,
  approvals: readonly Pick<ApprovalStatus, 'eligibility' | 'stages' | 'decision'>[],
): boolean {
  return asker.id === run.requester.id || approvals.some((a) => approvalReaders(a).has(asker.id));
}

/**
 * The approvals of a run from before approvals lived in their runs, oldest first: each `needs_approval` verdict opened
 * one, in a workflow of its own, `<run id>/approval-<n>`.
 */
export function approvalsOf(run: Pick<AgentStatus, 'run_id' | 'audit' | 'pending_approval'>): ApprovalRef[] {
  const refs: ApprovalRef[] = run.audit
    .filter((e) => e.type === 'verdict' && e.details.verdict === 'needs_approval' && e.requestId)
    .map((e, i) => ({ workflowId: `${run.run_id}/approval-${i + 1}`, requestId: e.requestId ?? '' }));
  const pending = run.pending_approval;
  if (pending && !refs.some((r) => r.workflowId === pending.workflow_id)) {
    refs.push({ workflowId: pending.workflow_id, requestId: pending.request_id });
  }
  // At most one batch of approvals per model step; the bound keeps a doctored audit from fanning out into queries.
  return refs.slice(-MAX_MODEL_STEPS * BATCH_MAX);
}

// ---------------------------------------------------------------------------------------------------------
// Reading from Temporal within one budget
// ---------------------------------------------------------------------------------------------------------

type Read<T> = { ok: true; value: T } | { ok: false; reason: 'not_found' | 'unreachable' };

/** Calls Temporal with whatever is left of the budget that ends at `deadline` (ms since the epoch). */
async function withinBudget<T>(temporal: Client, deadline: number, call: () => Promise<T>): Promise<T> {
  const left = deadline - Date.now();
  if (left <= 0) throw new TemporalTooSlowError('no time left in this answer’s budget');
  return withinSlackDeadline(temporal, call, left);
}

/** No such workflow, or one that is not an agent run (e.g. an approval's id): both are simply "no run". */
function isNoSuchRun(error: unknown): boolean {
  return error instanceof WorkflowNotFoundError || error instanceof QueryNotRegisteredError;
}

async function read<T>(temporal: Client, deadline: number, call: () => Promise<T>): Promise<Read<T>> {
  try {
    return { ok: true, value: await withinBudget(temporal, deadline, call) };
  } catch (error) {
    return { ok: false, reason: isNoSuchRun(error) ? 'not_found' : 'unreachable' };
  }
}

function readRun(temporal: Client, deadline: number, runId: string): Promise<Read<AgentStatus>> {
  return read(temporal, deadline, () => temporal.workflow.getHandle(runId).query(agentStatusQuery));
}

/** The approval, if it really is this run's: the id and request id must both match what the run recorded. */
async function readApprovalOf(
  temporal: Client,
  deadline: number,
  run: AgentStatus,
  ref: ApprovalRef,
): Promise<Read<ApprovalStatus>> {
  const result = await read(temporal, deadline, () =>
    temporal.workflow.getHandle(ref.workflowId).query(approvalStatusQuery, ref.requestId),
  );
  if (result.ok && (result.value.request_id !== ref.requestId || result.value.run_id !== run.run_id)) {
    return { ok: false, reason: 'not_found' };
  }
  return result;
}

/**
 * Every approval of the run: asked of the run itself where they live in it (the current code), else each of its own
 * workflow. A run that has asked for none in it answers no such query, as a run from before does.
 */
async function readApprovalsOf(
  temporal: Client,
  deadline: number,
  run: AgentStatus,
): Promise<Read<ApprovalStatus>[]> {
  const here = await read(temporal, deadline, () => approvalsIn(temporal, run.run_id));
  if (here.ok) return here.value.map((value) => ({ ok: true, value }));
  if (here.reason === 'unreachable') return [here];
  return await Promise.all(approvalsOf(run).map((ref) => readApprovalOf(temporal, deadline, run, ref)));
}

// ---------------------------------------------------------------------------------------------------------
// The answers, in words for the person asking
// ---------------------------------------------------------------------------------------------------------

/** `/agent status <run id>`. */
export async function runStatusFor(
  temporal: Client,
  runId: string,
  asker: Asker,
  budgetMs = RUN_ANSWER_BUDGET_MS,
): Promise<string> {
  const deadline = Date.now() + budgetMs;
  const run = await readRun(temporal, deadline, runId);
  if (!run.ok) return run.reason === 'not_found' ? noRunText(runId) : TEMPORAL_UNREACHABLE_TEXT;
  if (maySeeRun(asker, run.value, [])) return runStatusText(run.value);
  const approvals = await readApprovalsOf(temporal, deadline, run.value);
  const read = approvals.flatMap((a) => (a.ok ? [a.value] : []));
  if (maySeeRun(asker, run.value, read)) return runStatusText(run.value);
  // An approval we could not read might have named them: say so rather than refuse someone who may read it.
  if (approvals.some((a) => !a.ok && a.reason === 'unreachable')) return TEMPORAL_UNREACHABLE_TEXT;
  return noRunText(runId);
}

/**
 * `/agent cancel <run id>` and the Withdraw button: the requester withdraws their run's pending approval. The
 * approval workflow checks the requester again; this check is what keeps anyone else from learning anything.
 */
export async function withdrawRun(
  temporal: Client,
  runId: string,
  asker: Asker,
  budgetMs = RUN_ANSWER_BUDGET_MS,
): Promise<{ text: string; nothingWaited: boolean }> {
  const deadline = Date.now() + budgetMs;
  const run = await readRun(temporal, deadline, runId);
  const said = (text: string) => ({ text, nothingWaited: false });
  if (!run.ok) return said(run.reason === 'not_found' ? noRunText(runId) : TEMPORAL_UNREACHABLE_TEXT);
  if (!mayWithdraw(asker, run.value)) return said(noRunText(runId));
  const approval = run.value.pending_approval;
  if (!approval) return { text: nothingToWithdrawText(run.value), nothingWaited: true };
  // Calls asked together are withdrawn together.
  const waiting = run.value.pending_approvals?.length ? run.value.pending_approvals : [approval];
  try {
    await withinBudget(temporal, deadline, () =>
      Promise.all(
        waiting.map((pending) =>
          temporal.workflow.getHandle(pending.workflow_id).signal(withdrawRequestSignal, {
            request_id: pending.request_id,
            by: asker.name ? { id: asker.id, name: asker.name } : { id: asker.id },
          }),
        ),
      ),
    );
  } catch (error) {
    // The approval finished between the query and the signal: it is no longer waiting.
    if (error instanceof WorkflowNotFoundError)
      return { text: nothingToWithdrawText({ ...run.value, status: 'running' }), nothingWaited: true };
    // Out of time, the signal may still have arrived; a refused call did not.
    if (error instanceof TemporalTooSlowError) return said(withdrawUnconfirmedText(runId));
    return said(TEMPORAL_UNREACHABLE_TEXT);
  }
  return said(withdrawnText(runId, approval.tool));
}

/** `withdrawRun`, in the words the asker reads. */
export async function withdrawRunFor(
  temporal: Client,
  runId: string,
  asker: Asker,
  budgetMs = RUN_ANSWER_BUDGET_MS,
): Promise<string> {
  return (await withdrawRun(temporal, runId, asker, budgetMs)).text;
}
