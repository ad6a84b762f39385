// The notes modal submitted: validate, send `approval_decision`. The workflow re-checks and updates the card.
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { Client } from '@temporalio/client';
import {
  decisionModalMetadataSchema,
  readApproval,
  sendDecision,
  TEMPORAL_UNREACHABLE_TEXT,
  whyNot,
} from '../../approvals.js';
import { NOTES_ACTION_ID, NOTES_BLOCK_ID } from '../../blocks/decision-modal.js';
import type { Sealer } from '../../seal.js';

export interface DecisionModalDeps {
  temporal: Client;
  sealer: Sealer;
}

/** Slack shows these under the notes field, keeping the modal (and what was typed) open. */
function notesError(text: string) {
  return { response_action: 'errors' as const, errors: { [NOTES_BLOCK_ID]: text } };
}

export function decisionModalSubmission(deps: DecisionModalDeps) {
  return async ({
    ack,
    body,
    view,
    logger,
  }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    const metadata = decisionModalMetadataSchema.safeParse(deps.sealer.unseal(view.private_metadata));
    if (!metadata.success) {
      logger.warn('decision modal with altered private_metadata', { user: body.user.id });
      await ack(notesError('This form was altered or is not from Countersign; nothing was recorded.'));
      return;
    }
    const { workflowId, requestId, approved } = metadata.data;
    const notes = view.state.values[NOTES_BLOCK_ID]?.[NOTES_ACTION_ID]?.value?.trim() ?? '';
    if (!approved && notes === '') {
      await ack(notesError('Please say why you are rejecting: the agent and the requester read it.'));
      return;
    }
    const reviewer = { id: body.user.id, name: body.user.name };
    // Checked again here, not only at the click: minutes may have passed with the modal open.
    const lookup = await readApproval(deps.temporal, { workflowId, requestId });
    if (!lookup.ok) {
      await ack(notesError(lookup.message));
      return;
    }
    const reason = whyNot(lookup.status, reviewer, Date.now());
    if (reason) {
      await ack(notesError(reason));
      return;
    }
    try {
      await sendDecision(deps.temporal, workflowId, {
        request_id: requestId,
        approved,
        reviewer_notes: notes || null,
        decided_at: new Date().toISOString(),
        reviewer,
      });
    } catch (error) {
      logger.error('could not deliver an approval decision', { workflowId, error: (error as Error).message });
      await ack(notesError(TEMPORAL_UNREACHABLE_TEXT));
      return;
    }
    await ack();
  };
}
