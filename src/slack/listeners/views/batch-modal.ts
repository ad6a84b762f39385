// The form deciding a turn's calls at once: one decision per call, each sent to its own approval as the Update a
// single form sends, bound to the digest and stage that call's part of the form showed. A call the workflow refuses
// keeps the form open with the workflow's reason under that call; the others are recorded.
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { Client } from '@temporalio/client';
import { REFUSALS } from '../../../approval/policy.js';
import type { Logger } from '../../../logger.js';
import { submissionId, submitDecision } from '../../approvals.js';
import { BATCH_CHOICE_ACTION_ID, type BatchChoice, choiceBlockId } from '../../blocks/batch-modal.js';
import { NOTES_ACTION_ID, NOTES_BLOCK_ID, noticeModal } from '../../blocks/decision-modal.js';
import { MEMBERSHIP_TEXT, type MembershipCheck } from '../../membership.js';
import type { Sealer } from '../../seal.js';
import { TEMPORAL_UNREACHABLE_TEXT } from '../../temporal-deadline.js';
import { batchMetadataSchema } from '../actions/batch-button.js';

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
      await ack({
        response_action: 'errors',
        errors: {
          [NOTES_BLOCK_ID]: 'This form was altered or is not from Countersign; nothing was recorded.',
        },
      });
      return;
    }
    const { calls } = metadata.data;
    const choices = calls.map(
      (_, i) =>
        (
          view.state.values[choiceBlockId(i)]?.[BATCH_CHOICE_ACTION_ID] as {
            selected_option?: { value?: string };
          }
        )?.selected_option?.value as BatchChoice | undefined,
    );
    const notes = view.state.values[NOTES_BLOCK_ID]?.[NOTES_ACTION_ID]?.value?.trim() ?? '';
    if (choices.includes('reject') && notes === '') {
      await ack({
        response_action: 'errors',
        errors: {
          [NOTES_BLOCK_ID]: 'Please say why you are rejecting: the agent and the requester read it.',
        },
      });
      return;
    }
    const reviewer = { id: body.user.id, name: body.user.name };
    const membership = await deps.membership(client, reviewer.id);
    if (!membership.ok) {
      await ack({
        response_action: 'errors',
        errors: { [NOTES_BLOCK_ID]: MEMBERSHIP_TEXT[membership.reason] },
      });
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
