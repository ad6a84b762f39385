// The Slack side's view of approvals: read their state, send decisions. The workflow stays the authority.
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { z } from 'zod';
import { countedReviewers, mayDecide } from '../approval/policy.js';
import {
  type ApprovalRef,
  type ApprovalStatus,
  approvalRefSchema,
  type Person,
} from '../approval/schemas.js';
import type { ApprovalDecision } from '../approval/signals.js';
import {
  agentStatusQuery,
  approvalDecisionSignal,
  approvalStatusQuery,
  withdrawRequestSignal,
} from '../workflows/messages.js';
import { escapeMrkdwn, mention, slackDate, truncate } from './blocks/text.js';

/** What the decision modal carries (sealed) from the click to the submission. */
export const decisionModalMetadataSchema = approvalRefSchema.extend({
  approved: z.boolean(),
  /** Where the click happened, for telling the reviewer if the decision cannot be delivered. */
  channel: z.string().optional(),
});
export type DecisionModalMetadata = z.infer<typeof decisionModalMetadataSchema>;

export type ApprovalLookup =
  | { ok: true; status: ApprovalStatus }
  /** `slow`: Temporal did not answer within the budget (e.g. a worker is just restarting); `unreachable`: it failed. */
  | { ok: false; reason: 'not_found' | 'unreachable' | 'slow'; message: string };

/** Our own budget ran out, as opposed to Temporal answering with an error. */
export class TemporalTooSlowError extends Error {
  override name = 'TemporalTooSlowError';
}

/**
 * Slack wants an answer within 3 seconds (and a trigger_id dies then): a Temporal call from a listener gets
 * this long before the person is told Temporal is unreachable, instead of the client retrying past Slack's window.
 */
export const TEMPORAL_CALL_BUDGET_MS = 2_000;

const GRPC_DEADLINE_MARGIN_MS = 1_000;

export async function withinSlackDeadline<T>(
  temporal: Client,
  call: () => Promise<T>,
  budgetMs = TEMPORAL_CALL_BUDGET_MS,
): Promise<T> {
  // The gRPC deadline bounds calls; the abort also bounds connecting and stops the client's own retries.
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const giveUp = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      abort.abort();
      reject(new TemporalTooSlowError(`Temporal did not answer within ${budgetMs} ms`));
    }, budgetMs);
  });
  // Our timer decides; the gRPC deadline is only a backstop, so that "slow" is always told apart from "failed".
  const deadline = Date.now() + budgetMs + GRPC_DEADLINE_MARGIN_MS;
  const attempt = temporal.withAbortSignal(abort.signal, () => temporal.withDeadline(deadline, call));
  attempt.catch(() => {}); // when the timer wins, the abandoned call's failure is expected
  try {
    return await Promise.race([attempt, giveUp]);
  } finally {
    clearTimeout(timer);
  }
}

export const TEMPORAL_UNREACHABLE_TEXT =
  ':warning: Countersign could not reach its workflow service (Temporal) in time, so nothing was recorded. Please try again in a moment.';

export async function readApproval(
  temporal: Client,
  ref: ApprovalRef,
  budgetMs = TEMPORAL_CALL_BUDGET_MS,
): Promise<ApprovalLookup> {
  try {
    const status = await withinSlackDeadline(
      temporal,
      () => temporal.workflow.getHandle(ref.workflowId).query(approvalStatusQuery),
      budgetMs,
    );
    if (status.request_id !== ref.requestId) {
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

/** Why this person cannot decide now, in words for them; undefined when they can. */
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
  if (nowMs >= Date.parse(status.expires_at)) {
    return `:hourglass: This request expired ${slackDate(status.expires_at)}; nothing was run.`;
  }
  const allowed = mayDecide(clicker, {
    requester: status.requester,
    eligibility: status.eligibility,
    allowSelfApproval: status.allow_self_approval,
  });
  if (!allowed.ok) {
    return allowed.reason === 'self_approval'
      ? ':no_entry_sign: You asked for this action, so someone else has to decide on it.'
      : ':no_entry_sign: You are not one of the approvers for this request.';
  }
  if (countedReviewers(status.stages).includes(clicker.id)) {
    return ':information_source: You already approved this request, and each person counts once; it is waiting for someone else.';
  }
  if (status.stages.at(-1)?.status !== 'pending') {
    return ':hourglass_flowing_sand: The next approval stage is opening; try again in a moment.';
  }
  return undefined;
}

export async function sendDecision(
  temporal: Client,
  workflowId: string,
  decision: ApprovalDecision,
): Promise<void> {
  await withinSlackDeadline(temporal, () =>
    temporal.workflow.getHandle(workflowId).signal(approvalDecisionSignal, decision),
  );
}

/**
 * The requester withdraws their run's pending approval (`/agent cancel <id>`, or the button on their acknowledgement):
 * only the requester, only while an approval is pending; the workflow checks again. Answers in words for them.
 */
export async function withdrawRequest(
  temporal: Client,
  runId: string,
  user: { id: string; name?: string | undefined },
): Promise<string> {
  try {
    const run = await withinSlackDeadline(temporal, () =>
      temporal.workflow.getHandle(runId).query(agentStatusQuery),
    );
    if (run.requester.id !== user.id)
      return `:no_entry_sign: Only ${mention(run.requester.id)} can withdraw this request.`;
    if (!run.pending_approval) {
      return `:information_source: Nothing to withdraw: run \`${escapeMrkdwn(runId)}\` is not waiting for an approval (${run.status.replace('_', ' ')}).`;
    }
    const approval = run.pending_approval;
    await withinSlackDeadline(temporal, () =>
      temporal.workflow.getHandle(approval.workflow_id).signal(withdrawRequestSignal, {
        request_id: approval.request_id,
        by: user.name ? { id: user.id, name: user.name } : { id: user.id },
      }),
    );
    return `:no_entry_sign: Withdrawn: run \`${escapeMrkdwn(runId)}\` will not \`${escapeMrkdwn(approval.tool)}\`; its approval card is being updated.`;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError)
      return `:grey_question: No run with id \`${escapeMrkdwn(truncate(runId, 100))}\`.`;
    return TEMPORAL_UNREACHABLE_TEXT;
  }
}
