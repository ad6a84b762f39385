// The Slack side's view of approvals: read one for a click, and whether this person may decide it now. The workflow
// stays the authority; the early check at a click runs the same rules (src/approval/state.ts). Submitting a decision
// is the decision form's last step (src/slack/decision-form/answer.ts).
import { type Client, QueryNotRegisteredError, WorkflowNotFoundError } from '@temporalio/client';
import { checkDecision, REFUSALS } from '../approval/policy.js';
import type { ApprovalRef, ApprovalStatus, Person } from '../approval/schemas.js';
import { decisionRules } from '../approval/state.js';
import { approvalStatusQuery, runApprovalsQuery } from '../workflows/messages.js';
import { mention, slackDate } from './blocks/text.js';
import {
  TEMPORAL_CALL_BUDGET_MS,
  TEMPORAL_UNREACHABLE_TEXT,
  TemporalTooSlowError,
  withinSlackDeadline,
} from './temporal-deadline.js';

export type ApprovalLookup =
  | { ok: true; status: ApprovalStatus }
  /** `slow`: Temporal did not answer within the budget (e.g. a worker is just restarting); `unreachable`: it failed. */
  | { ok: false; reason: 'not_found' | 'unreachable' | 'slow'; message: string };

/**
 * One approval as it stands, asked of the workflow it lives in by its request id; `requestId` absent: whichever
 * request that workflow answers with (the inbox lists by workflow).
 */
export async function readApproval(
  temporal: Client,
  ref: Pick<ApprovalRef, 'workflowId'> & Partial<Pick<ApprovalRef, 'requestId'>>,
  budgetMs = TEMPORAL_CALL_BUDGET_MS,
): Promise<ApprovalLookup> {
  try {
    const status = await withinSlackDeadline(
      temporal,
      () => temporal.workflow.getHandle(ref.workflowId).query(approvalStatusQuery, ref.requestId),
      budgetMs,
    );
    if (ref.requestId !== undefined && status.request_id !== ref.requestId) {
      return {
        ok: false,
        reason: 'not_found',
        message: ':no_entry_sign: This approval request does not exist.',
      };
    }
    return { ok: true, status };
  } catch (error) {
    return lookupFailure(error);
  }
}

/**
 * The approvals that live in a run's (or gateway call's) own workflow, as it answers for them, and only that run's. One
 * that holds none (a run from before, or one that asked nobody) has no such query: QueryNotRegisteredError.
 */
export async function approvalsIn(temporal: Client, workflowId: string): Promise<ApprovalStatus[]> {
  const approvals = await temporal.workflow.getHandle(workflowId).query(runApprovalsQuery);
  return approvals.filter((approval) => approval.run_id === workflowId);
}

/** What a failed read of an approval tells the person. */
export function lookupFailure(error: unknown): Extract<ApprovalLookup, { ok: false }> {
  // No such workflow, or a run that has asked for no approval in it.
  if (error instanceof WorkflowNotFoundError || error instanceof QueryNotRegisteredError) {
    return {
      ok: false,
      reason: 'not_found',
      message: ':no_entry_sign: This approval request does not exist (any more).',
    };
  }
  const reason = error instanceof TemporalTooSlowError ? 'slow' : 'unreachable';
  return { ok: false, reason, message: TEMPORAL_UNREACHABLE_TEXT };
}

/**
 * Why this person cannot decide now, in words for them; undefined when they can. An ended request is described
 * (who decided, when); a pending one goes through the workflow's own rules.
 */
export function whyNot(status: ApprovalStatus, clicker: Person, nowMs: number): string | undefined {
  const d = status.decision;
  const by = d?.reviewer ? mention(d.reviewer.id) : 'an operator';
  switch (status.status) {
    case 'approved':
      return `:information_source: Already approved by ${by} ${d ? slackDate(d.decidedAt) : ''}.`;
    case 'rejected':
      return `:information_source: Already rejected by ${by} ${d ? slackDate(d.decidedAt) : ''}.`;
    case 'timed_out':
      return `:hourglass: This request expired ${slackDate(status.expires_at)}; nothing was run.`;
    case 'cancelled':
      return ':no_entry_sign: This request was cancelled; nothing was run.';
    case 'pending':
      break;
  }
  if (status.stages.at(-1)?.status !== 'pending') {
    return ':hourglass_flowing_sand: The next approval stage is opening; try again in a moment.';
  }
  const check = checkDecision(
    { request_id: status.request_id, approved: true, reviewer: clicker },
    decisionRules(status, nowMs),
  );
  if (check.ok) return undefined;
  if (check.reason === 'too_late') {
    return `:hourglass: This request expired ${slackDate(status.expires_at)}; nothing was run.`;
  }
  return REFUSALS[check.reason].person;
}
