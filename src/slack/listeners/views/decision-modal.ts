// The notes modal submitted: validate, send `approval_decision` bound to what the modal showed. The workflow re-checks
// everything and updates the card.
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { Client } from '@temporalio/client';
import {
  decisionModalMetadataSchema,
  readApproval,
  sendDecision,
  whyNot,
  whyStale,
} from '../../approvals.js';
import { NOTES_ACTION_ID, NOTES_BLOCK_ID } from '../../blocks/decision-modal.js';
import { STANDING_TEXT, type StandingCheck } from '../../reviewer-standing.js';
import type { Sealer } from '../../seal.js';

export interface DecisionModalDeps {
  temporal: Client;
  sealer: Sealer;
  standing: StandingCheck;
}

/**
 * Everything before the acknowledgement shares this budget, inside Slack's 3 seconds: the check of the approval
 * as it stands and the delivery of the decision, not 2 seconds each.
 */
const SUBMISSION_BUDGET_MS = 2_400;
/** The delivery always gets at least this long, however long the check took. */
const DELIVERY_MIN_MS = 600;

const NOT_CONFIRMED_TEXT =
  ':warning: Countersign could not confirm in time that your decision was recorded. If it was, the card will show it within a moment; if the card still waits, please decide again.';

/** Slack shows these under the notes field, keeping the modal (and what was typed) open. */
function notesError(text: string) {
  return { response_action: 'errors' as const, errors: { [NOTES_BLOCK_ID]: text } };
}

export function decisionModalSubmission(deps: DecisionModalDeps) {
  return async ({
    ack,
    body,
    view,
    client,
    logger,
  }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    const startedAt = Date.now();
    const metadata = decisionModalMetadataSchema.safeParse(deps.sealer.unseal(view.private_metadata));
    if (!metadata.success) {
      logger.warn('decision modal with altered private_metadata', { user: body.user.id });
      await ack(notesError('This form was altered or is not from Countersign; nothing was recorded.'));
      return;
    }
    const { workflowId, requestId, approved, digest, stage } = metadata.data;
    const notes = view.state.values[NOTES_BLOCK_ID]?.[NOTES_ACTION_ID]?.value?.trim() ?? '';
    if (!approved && notes === '') {
      await ack(notesError('Please say why you are rejecting: the agent and the requester read it.'));
      return;
    }
    const reviewer = { id: body.user.id, name: body.user.name };
    // Checked again here, not only at the click: minutes may have passed with the modal open.
    const [lookup, standing] = await Promise.all([
      readApproval(deps.temporal, { workflowId, requestId }, SUBMISSION_BUDGET_MS - DELIVERY_MIN_MS),
      deps.standing(client, reviewer.id),
    ]);
    if (!standing.ok) {
      await ack(notesError(STANDING_TEXT[standing.reason]));
      return;
    }
    if (!lookup.ok) {
      await ack(notesError(lookup.message));
      return;
    }
    const reason = whyStale(lookup.status, metadata.data) ?? whyNot(lookup.status, reviewer, Date.now());
    if (reason) {
      await ack(notesError(reason));
      return;
    }
    try {
      await sendDecision(
        deps.temporal,
        workflowId,
        {
          request_id: requestId,
          approved,
          reviewer_notes: notes || null,
          decided_at: new Date().toISOString(),
          reviewer,
          proposal_digest: digest,
          team_id: standing.teamId,
          stage,
        },
        Math.max(DELIVERY_MIN_MS, SUBMISSION_BUDGET_MS - (Date.now() - startedAt)),
      );
    } catch (error) {
      logger.error('could not confirm the delivery of an approval decision', {
        workflowId,
        error: (error as Error).message,
      });
      await ack(notesError(NOT_CONFIRMED_TEXT));
      return;
    }
    await ack();
  };
}
