// The decision form submitted: validate, then submit the decision to the approval's workflow as Update
// `submit_decision` and tell the reviewer what the workflow answered — in the form itself when it answers in time.
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { WorkflowNotFoundError } from '@temporalio/client';
import { REFUSALS } from '../../../approval/policy.js';
import type { Logger } from '../../../logger.js';
import { noticeModal } from '../../blocks/notice.js';
import {
  ALTERED_FORM_TEXT,
  answerText,
  decisionModalMetadataSchema,
  notesError,
  REASON_REQUIRED_TEXT,
  readEdits,
  readNotes,
  readStanding,
  refusalText,
  type Sealer,
  submissionId,
  submitDecision,
  tellLater,
} from '../../decision-form/index.js';
import { type HomeDeps, republishHome } from '../../home.js';
import { MEMBERSHIP_TEXT } from '../../membership.js';
import { TEMPORAL_UNREACHABLE_TEXT } from '../../temporal-deadline.js';

export interface DecisionModalDeps extends HomeDeps {
  sealer: Sealer;
  /** Where refused decisions are audited (the workflow records none: its Update validator refuses them). */
  audit?: Logger | undefined;
}

/** Everything before the acknowledgement shares this budget, inside Slack's 3 seconds. */
const SUBMISSION_BUDGET_MS = 2_400;
/** The workflow always gets at least this long to answer, however long the membership check took. */
const ANSWER_MIN_MS = 600;

const STILL_RECORDING_TEXT =
  ':hourglass_flowing_sand: Your decision is being recorded: Countersign’s workflow service is slow to answer just now. You will get a message here once it has been counted (or, if it could not be, why).';

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
      await ack(notesError(ALTERED_FORM_TEXT));
      return;
    }
    const { workflowId, requestId, approved, digest, stage, channel } = metadata.data;
    const notes = readNotes(view.state.values);
    if (!approved && notes === '') {
      await ack(notesError(REASON_REQUIRED_TEXT));
      return;
    }
    const reviewer = { id: body.user.id, name: body.user.name };
    // Checked again here, not only at the click: minutes may have passed with the form open.
    const membership = await deps.membership(client, reviewer.id);
    if (!membership.ok) {
      await ack(notesError(MEMBERSHIP_TEXT[membership.reason]));
      return;
    }
    // Changed arguments, read against the call as it stands now (the form was bound to its digest).
    const edits = await readEdits(deps.temporal, view.state.values, metadata.data, ANSWER_MIN_MS * 2);
    if (!edits.ok) {
      await ack({ response_action: 'errors', errors: edits.errors });
      return;
    }
    const { edited } = edits;
    const again = readStanding(view.state.values, approved);
    const decision = {
      request_id: requestId,
      approved,
      reviewer_notes: notes || null,
      decided_at: new Date().toISOString(),
      reviewer,
      proposal_digest: digest,
      team_id: membership.teamId,
      stage,
      ...(edited ? { edited_arguments: edited } : {}),
      ...(again ? { standing: again } : {}),
    };
    let submission: Awaited<ReturnType<typeof submitDecision>>;
    try {
      submission = await submitDecision(deps.temporal, workflowId, decision, {
        // One form, one decision: Slack resubmitting the same form is the same Update; the form resubmitted with other
        // choices after an error is another decision, never a replay of the first answer.
        updateId: submissionId(view.id, decision),
        budgetMs: Math.max(ANSWER_MIN_MS, SUBMISSION_BUDGET_MS - (Date.now() - startedAt)),
        audit: deps.audit,
        slack: client,
      });
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) {
        // The approval's workflow has ended (decided, expired or withdrawn) while the form was open.
        await ack(notesError(REFUSALS.already_decided.person));
        return;
      }
      logger.error('could not submit an approval decision', { workflowId, error: (error as Error).message });
      await ack(notesError(TEMPORAL_UNREACHABLE_TEXT));
      return;
    }
    // Their inbox follows their decision, wherever they made it, once Slack has its answer.
    const refreshHome = async () => {
      await republishHome(deps, client, reviewer).catch((error: Error) =>
        logger.error('could not publish App Home', { user: reviewer.id, error: error.message }),
      );
    };
    if (submission.answered) {
      const { answer } = submission;
      await ack(answer.accepted ? undefined : notesError(refusalText(answer)));
      if (answer.accepted) await refreshHome();
      return;
    }
    // Truthful rather than fast: the decision may still count, so say so, and send the answer when it comes.
    await ack({ response_action: 'update', view: noticeModal(STILL_RECORDING_TEXT) });
    const where = { channel, user: reviewer.id };
    try {
      await tellLater(client, where, answerText(await submission.answer, approved));
      await refreshHome();
    } catch (error) {
      logger.error('a late approval decision has no answer', { workflowId, error: (error as Error).message });
      await tellLater(
        client,
        where,
        ":warning: Countersign could not confirm whether your decision was recorded. Click the card's button again: Countersign reads the request as it stands, and says who decided it.",
      ).catch(() => {});
    }
  };
}
