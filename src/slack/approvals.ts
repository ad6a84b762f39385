// The Slack side's view of approvals: read one for a click, submit a decision and hear whether it counted. The
// workflow stays the authority; the early check at a click runs the same rules (src/approval/state.ts).
import { createHash } from 'node:crypto';
import { type Client, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import canonicalize from 'canonicalize';
import { checkDecision, type DecisionRefusal, REFUSALS } from '../approval/policy.js';
import type { ApprovalRef, ApprovalStatus, Person } from '../approval/schemas.js';
import { type DecisionAnswer, decisionRules } from '../approval/state.js';
import type { Logger } from '../logger.js';
import { TRACE_PARENT_MEMO, tracingInstalled, withinTrace } from '../tracing.js';
import { approvalStatusQuery, type SubmittedDecision, submitDecisionUpdate } from '../workflows/messages.js';
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

/** One approval as it stands; `requestId` absent: whichever request the workflow holds (the inbox lists by workflow). */
export async function readApproval(
  temporal: Client,
  ref: Pick<ApprovalRef, 'workflowId'> & Partial<Pick<ApprovalRef, 'requestId'>>,
  budgetMs = TEMPORAL_CALL_BUDGET_MS,
): Promise<ApprovalLookup> {
  try {
    const status = await withinSlackDeadline(
      temporal,
      () => temporal.workflow.getHandle(ref.workflowId).query(approvalStatusQuery),
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
    if (error instanceof WorkflowNotFoundError) {
      return {
        ok: false,
        reason: 'not_found',
        message: ':no_entry_sign: This approval request does not exist (any more).',
      };
    }
    const reason = error instanceof TemporalTooSlowError ? 'slow' : 'unreachable';
    return { ok: false, reason, message: TEMPORAL_UNREACHABLE_TEXT };
  }
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

/** The workflow's answer to a submitted decision, or that it did not come within the budget. */
export type Submission =
  | { answered: true; answer: DecisionAnswer }
  /** Still being recorded: `answer` settles once the workflow has decided whether it counts. */
  | { answered: false; answer: Promise<DecisionAnswer> };

/** How long a submission's answer is awaited in all, once the reviewer has been told it is still being recorded. */
const ANSWER_WAIT_MAX_MS = 120_000;

/**
 * The Update id of one submission of a form: the same form submitted again as it was (Slack retrying) is the same
 * Update, answered as before; the form submitted again with other choices (after an error, say) is another decision.
 * `decided_at` is left out: it is the moment of submission, not a choice.
 */
export function submissionId(formId: string, decision: SubmittedDecision): string {
  const { decided_at: _, ...choices } = decision;
  const hash = createHash('sha256')
    .update(canonicalize(choices) ?? '')
    .digest('hex');
  return `${formId}/${decision.reviewer.id}/${hash.slice(0, 16)}`;
}

/** A refusal the workflow's validator gave: it wrote nothing to the workflow, so the Slack app audits it here. */
function refusalFrom(error: unknown): Extract<DecisionAnswer, { accepted: false }> | undefined {
  if (!(error instanceof WorkflowUpdateFailedError) || !(error.cause instanceof ApplicationFailure))
    return undefined;
  const reason = error.cause.type;
  if (!reason || !Object.hasOwn(REFUSALS, reason)) return undefined;
  return { accepted: false, reason: reason as DecisionRefusal, explanation: error.cause.message };
}

/** How long finding a run's trace may hold up a decision: a nicety, never a reason to miss Slack's deadline. */
const TRACE_LOOKUP_MAX_MS = 1_000;

/** The trace the approval's run began in (its memo, written at its start): the approval's parent is the run. */
async function runTraceParent(temporal: Client, approvalWorkflowId: string): Promise<string | undefined> {
  try {
    return await temporal.withDeadline(Date.now() + TRACE_LOOKUP_MAX_MS, async () => {
      const approval = await temporal.workflow.getHandle(approvalWorkflowId).describe();
      const runId = approval.parentExecution?.workflowId ?? approvalWorkflowId;
      const run = await temporal.workflow.getHandle(runId).describe();
      const traceparent = run.memo?.[TRACE_PARENT_MEMO];
      return typeof traceparent === 'string' ? traceparent : undefined;
    });
  } catch {
    return undefined;
  }
}

/**
 * Submits a reviewer's decision as Update `submit_decision` and waits up to `budgetMs` for the workflow's answer.
 * `updateId` (see submissionId) makes a repeated submission of the same form one decision. A refusal is audited in
 * `audit`'s log (`"msg":"audit"`, type `decision_ignored`), as the workflow audits the ones it records. Throws when
 * Temporal cannot be reached.
 */
export async function submitDecision(
  temporal: Client,
  workflowId: string,
  decision: SubmittedDecision,
  options: { updateId: string; budgetMs: number; audit?: Logger | undefined },
): Promise<Submission> {
  // With tracing on, the decision joins its run's trace (the one its Slack request began), not the form's own.
  const traceparent = tracingInstalled() ? await runTraceParent(temporal, workflowId) : undefined;
  const answer = withinTrace(traceparent, () =>
    temporal.withDeadline(Date.now() + ANSWER_WAIT_MAX_MS, () =>
      temporal.workflow
        .getHandle(workflowId)
        .executeUpdate(submitDecisionUpdate, { args: [decision], updateId: options.updateId }),
    ),
  ).catch((error: unknown): DecisionAnswer => {
    const refusal = refusalFrom(error);
    if (!refusal) throw error;
    options.audit?.info('audit', {
      audit: {
        at: new Date().toISOString(),
        type: 'decision_ignored',
        actor: decision.reviewer,
        requestId: decision.request_id,
        details: {
          workflow_id: workflowId,
          reason: refusal.reason,
          explanation: refusal.explanation,
          approved: decision.approved,
          ...(decision.edited_arguments ? { edited: true } : {}),
          signalled_digest: decision.proposal_digest,
          team: decision.team_id,
          via: 'update',
        },
      },
    });
    return refusal;
  });
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), options.budgetMs);
  });
  try {
    const first = await Promise.race([answer, late]);
    return first === 'late' ? { answered: false, answer } : { answered: true, answer: first };
  } finally {
    clearTimeout(timer);
  }
}
