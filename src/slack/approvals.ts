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
import { approvalDecisionSignal, approvalStatusQuery } from '../workflows/messages.js';
import { mention, slackDate } from './blocks/text.js';

/** What the decision modal carries (sealed) from the click to the submission. */
export const decisionModalMetadataSchema = approvalRefSchema.extend({
  approved: z.boolean(),
  /** The digest of the proposal the modal showed: the decision is bound to it. */
  digest: z.string().min(1),
  /** The stage (1-based) the modal was opened in: a decision made in it does not count in a later one. */
  stage: z.number().int().min(1),
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
  budgetMs = TEMPORAL_CALL_BUDGET_MS,
): Promise<void> {
  await withinSlackDeadline(
    temporal,
    () => temporal.workflow.getHandle(workflowId).signal(approvalDecisionSignal, decision),
    budgetMs,
  );
}

/** Why a modal's decision no longer applies to the approval as it stands now; undefined when it still does. */
export function whyStale(status: ApprovalStatus, metadata: Pick<DecisionModalMetadata, 'digest' | 'stage'>) {
  if (status.proposal.digest !== metadata.digest) {
    return ':no_entry_sign: This form shows a different proposal from the one now waiting; nothing was recorded. Open the card again.';
  }
  if (status.status === 'pending' && status.stages.length !== metadata.stage) {
    return ':information_source: This form was opened for an earlier stage of the request, which has passed; nothing was recorded. Open the card again to decide on the current stage.';
  }
  return undefined;
}
