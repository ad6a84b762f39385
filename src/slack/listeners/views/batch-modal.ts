// The form deciding a turn's calls at once: one decision per call, each sent to its own approval as the Update a
// single form sends, bound to the digest and stage that call's part of the form showed. A call the workflow refuses
// keeps the form open with the workflow's reason under that call; the others are recorded.
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { Client } from '@temporalio/client';
import { REFUSALS } from '../../../approval/policy.js';
import type { Logger } from '../../../logger.js';
import { noticeModal } from '../../blocks/notice.js';
import {
  ALTERED_FORM_TEXT,
  batchMetadataSchema,
  choiceBlockId,
  notesError,
  REASON_REQUIRED_TEXT,
  readBatchChoices,
  readNotes,
  type Sealer,
  submissionId,
  submitDecision,
} from '../../decision-form/index.js';
import { MEMBERSHIP_TEXT, type MembershipCheck } from '../../membership.js';
import { TEMPORAL_UNREACHABLE_TEXT } from '../../temporal-deadline.js';

export interface BatchModalDeps {
  temporal: Client;
  sealer: Sealer;
  membership: MembershipCheck;
  /** Where refused decisions are audited (the workflow records none: its Update validator refuses them). */
  audit?: Logger | undefined;
}

/** Inside Slack's 3 seconds: the calls' Updates go out together and share it. */
const ANSWER_BUDGET_MS = 2_000;

const STILL_RECORDING_TEXT =
  ':hourglass_flowing_sand: Your decisions are being recorded: Countersign’s workflow service is slow to answer just now. Each call’s card shows what counted.';

export function batchModalSubmission(deps: BatchModalDeps) {
  return async ({
    ack,
    body,
    view,
    logger,
    client,
  }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    const metadata = batchMetadataSchema.safeParse(deps.sealer.unseal(view.private_metadata));
    if (!metadata.success) {
      logger.warn('batch form with altered private_metadata', { user: body.user.id });
      await ack(notesError(ALTERED_FORM_TEXT));
      return;
    }
    const { calls } = metadata.data;
    const choices = readBatchChoices(view.state.values, calls.length);
    const notes = readNotes(view.state.values);
    if (choices.includes('reject') && notes === '') {
      await ack(notesError(REASON_REQUIRED_TEXT));
      return;
    }
    const reviewer = { id: body.user.id, name: body.user.name };
    const membership = await deps.membership(client, reviewer.id);
    if (!membership.ok) {
      await ack(notesError(MEMBERSHIP_TEXT[membership.reason]));
      return;
    }
    const decidedAt = new Date().toISOString();
    const submissions = await Promise.all(
      calls.map(async (call, i) => {
        const choice = choices[i];
        if (!choice) return undefined;
        try {
          const decision = {
            request_id: call.requestId,
            approved: choice === 'approve',
            reviewer_notes: notes || null,
            decided_at: decidedAt,
            reviewer,
            proposal_digest: call.digest,
            team_id: membership.teamId,
            stage: call.stage,
          };
          // One form, one decision per call: a resubmission after an error with the same choices is the same Update
          // for the calls that counted; a changed choice is another decision.
          return await submitDecision(deps.temporal, call.workflowId, decision, {
            updateId: submissionId(`${view.id}/${i}`, decision),
            budgetMs: ANSWER_BUDGET_MS,
            audit: deps.audit,
            slack: client,
          });
        } catch (error) {
          logger.error('could not submit a decision from the batch form', {
            workflowId: call.workflowId,
            error: (error as Error).message,
          });
          return {
            answered: true as const,
            answer: { accepted: false as const, reason: 'unreachable' as const },
          };
        }
      }),
    );
    const errors: Record<string, string> = {};
    let late = false;
    submissions.forEach((submission, i) => {
      if (!submission) return;
      if (!submission.answered) {
        late = true;
        return;
      }
      const { answer } = submission;
      if (answer.accepted) return;
      errors[choiceBlockId(i)] =
        answer.reason === 'unreachable' ? TEMPORAL_UNREACHABLE_TEXT : REFUSALS[answer.reason].person;
    });
    if (Object.keys(errors).length > 0) {
      await ack({ response_action: 'errors', errors });
      return;
    }
    if (late) {
      await ack({ response_action: 'update', view: noticeModal(STILL_RECORDING_TEXT) });
      return;
    }
    await ack();
  };
}
