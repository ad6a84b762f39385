// Answer: submit the decision to the approval's workflow as Update `submit_decision`, hear whether it counted, and
// say so in words for the person (in the form when the workflow answers in time, in a message when it is late).
import { createHash } from 'node:crypto';
import type { WebClient } from '@slack/web-api';
import { type Client, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import canonicalize from 'canonicalize';
import { type DecisionRefusal, REFUSALS } from '../../approval/policy.js';
import type { ApprovalStatus, AuditEvent } from '../../approval/schemas.js';
import type { DecisionAnswer } from '../../approval/state.js';
import type { Logger } from '../../logger.js';
import { TRACE_PARENT_MEMO, tracingInstalled, withinTrace } from '../../tracing.js';
import { type SubmittedDecision, submitDecisionUpdate } from '../../workflows/messages.js';
import { updateApprovalCard } from '../approval-card-update.js';
import { NOTES_BLOCK_ID } from './build.js';

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

/**
 * An audit line the Slack app writes itself, in the workflows' shape (`"msg":"audit"`): for what happens where no
 * workflow records it (a refusal its Update validator gave, a card update the app made).
 */
function auditInApp(
  audit: Logger | undefined,
  type: AuditEvent['type'],
  actor: AuditEvent['actor'],
  requestId: string,
  details: Record<string, unknown>,
): void {
  audit?.info('audit', { audit: { at: new Date().toISOString(), type, actor, requestId, details } });
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
  options: {
    updateId: string;
    budgetMs: number;
    audit?: Logger | undefined;
    /** Where the request's cards are updated once this decision ends it (DecisionAnswer's `ended`). */
    slack: WebClient;
  },
): Promise<Submission> {
  // With tracing on, the decision joins its run's trace (the one its Slack request began), not the form's own.
  const traceparent = tracingInstalled() ? await runTraceParent(temporal, workflowId) : undefined;
  const cards = (ended: ApprovalStatus) => showEnded(options.slack, ended, decision, options.audit);
  const answer = withinTrace(traceparent, () =>
    temporal
      .withDeadline(Date.now() + ANSWER_WAIT_MAX_MS, () =>
        temporal.workflow
          .getHandle(workflowId)
          .executeUpdate(submitDecisionUpdate, { args: [decision], updateId: options.updateId }),
      )
      .then((answered) => {
        // Not awaited: the person's answer does not wait for Slack to redraw the cards.
        if (answered.accepted && answered.ended) void cards(answered.ended);
        return answered;
      }),
  ).catch((error: unknown): DecisionAnswer => {
    const refusal = refusalFrom(error);
    if (!refusal) throw error;
    auditInApp(options.audit, 'decision_ignored', decision.reviewer, decision.request_id, {
      workflow_id: workflowId,
      reason: refusal.reason,
      explanation: refusal.explanation,
      approved: decision.approved,
      ...(decision.edited_arguments ? { edited: true } : {}),
      signalled_digest: decision.proposal_digest,
      team: decision.team_id,
      via: 'update',
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

/**
 * The request's cards, shown as it ended: the workflow left them to the decision that ended it. What Slack refuses is
 * audited, as the workflow audits the card updates Slack refuses it; the card still has its buttons, and a click on
 * one reads the request as it stands (src/slack/approvals.ts, whyNot).
 */
async function showEnded(
  slack: WebClient,
  ended: ApprovalStatus,
  decision: SubmittedDecision,
  audit: Logger | undefined,
): Promise<void> {
  await Promise.all(
    ended.cards.map((card) =>
      updateApprovalCard(slack, ended, card).catch((error: Error) => {
        auditInApp(audit, 'slack_refused', 'system', ended.request_id, {
          workflow_id: ended.workflow_id,
          what: `updating the card in ${card.channel}`,
          error: error.message,
          decided_by: decision.reviewer.id,
        });
      }),
    ),
  );
}

/** Slack shows these under the notes field, keeping the modal (and what was typed) open. */
export function notesError(text: string) {
  return { response_action: 'errors' as const, errors: { [NOTES_BLOCK_ID]: text } };
}

export const ALTERED_FORM_TEXT = 'This form was altered or is not from Countersign; nothing was recorded.';
export const REASON_REQUIRED_TEXT = 'Please say why you are rejecting: the agent and the requester read it.';

/** A refusal in the person's words; a refused edit also says what is wrong with it. */
export function refusalText(answer: Extract<DecisionAnswer, { accepted: false }>): string {
  const text = REFUSALS[answer.reason].person;
  return answer.reason === 'invalid_edit' ? `${text} ${answer.explanation}` : text;
}

/** The workflow's answer to one decision, in words for the person who made it. */
export function answerText(answer: DecisionAnswer, approved: boolean): string {
  if (!answer.accepted) return refusalText(answer);
  if (!approved) return ':x: Your rejection was recorded: nothing will run, and the agent reads your reason.';
  return answer.decided
    ? ':white_check_mark: Your approval was recorded: the request is approved.'
    : `:white_check_mark: Your approval was recorded (${answer.progress}); the request waits for the rest.`;
}

/** The late answer, as an ephemeral message where the card was clicked (or a direct message when that is unknown). */
export async function tellLater(
  client: WebClient,
  where: { channel: string | undefined; user: string },
  text: string,
): Promise<void> {
  if (where.channel) await client.chat.postEphemeral({ channel: where.channel, user: where.user, text });
  else await client.chat.postMessage({ channel: where.user, text });
}
