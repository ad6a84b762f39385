// The decision form submitted: validate, then submit the decision to the approval's workflow as Update
// `submit_decision` and tell the reviewer what the workflow answered — in the form itself when it answers in time.
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { WorkflowNotFoundError } from '@temporalio/client';
import { REFUSALS } from '../../../approval/policy.js';
import type { DecisionAnswer } from '../../../approval/state.js';
import type { Logger } from '../../../logger.js';
import { readApproval, submissionId, submitDecision } from '../../approvals.js';
import {
  NOTES_ACTION_ID,
  NOTES_BLOCK_ID,
  noticeModal,
  STANDING_ACTION_ID,
  STANDING_BLOCK_ID,
  STANDING_VARY_ACTION_ID,
  STANDING_VARY_BLOCK_ID,
} from '../../blocks/decision-modal.js';
import { decisionModalMetadataSchema } from '../../decision-form.js';
import { editModeFor, readEditedArguments } from '../../edit-form.js';
import { type HomeDeps, republishHome } from '../../home.js';
import { MEMBERSHIP_TEXT } from '../../membership.js';
import type { Sealer } from '../../seal.js';
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

/** Slack shows these under the notes field, keeping the modal (and what was typed) open. */
function notesError(text: string) {
  return { response_action: 'errors' as const, errors: { [NOTES_BLOCK_ID]: text } };
}

/** A refusal in the person's words; a refused edit also says what is wrong with it. */
function refusalText(answer: Extract<DecisionAnswer, { accepted: false }>): string {
  const text = REFUSALS[answer.reason].person;
  return answer.reason === 'invalid_edit' ? `${text} ${answer.explanation}` : text;
}

function answerText(answer: DecisionAnswer, approved: boolean): string {
  if (!answer.accepted) return refusalText(answer);
  if (!approved) return ':x: Your rejection was recorded: nothing will run, and the agent reads your reason.';
  return answer.decided
    ? ':white_check_mark: Your approval was recorded: the request is approved.'
    : `:white_check_mark: Your approval was recorded (${answer.progress}); the request waits for the rest.`;
}

/** The late answer, as an ephemeral message where the card was clicked (or a direct message when that is unknown). */
async function tellLater(
  client: WebClient,
  where: { channel: string | undefined; user: string },
  text: string,
): Promise<void> {
  if (where.channel) await client.chat.postEphemeral({ channel: where.channel, user: where.user, text });
  else await client.chat.postMessage({ channel: where.user, text });
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
    const { workflowId, requestId, approved, digest, stage, channel } = metadata.data;
    const notes = view.state.values[NOTES_BLOCK_ID]?.[NOTES_ACTION_ID]?.value?.trim() ?? '';
    if (!approved && notes === '') {
      await ack(notesError('Please say why you are rejecting: the agent and the requester read it.'));
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
    let edited: Record<string, unknown> | undefined;
    if (metadata.data.editable && approved) {
      let original = metadata.data.original;
      if (!original) {
        const read = await readApproval(deps.temporal, { workflowId, requestId }, ANSWER_MIN_MS * 2);
        if (!read.ok) {
          await ack(notesError(read.message));
          return;
        }
        // Changed since the form opened: the workflow would refuse the decision as not what was shown.
        if (read.status.proposal.digest !== digest) {
          await ack(notesError(REFUSALS.digest_mismatch.person));
          return;
        }
        original = read.status.proposal.arguments;
      }
      const changes = readEditedArguments(view.state.values, editModeFor(original), original);
      if (!changes.ok) {
        await ack({ response_action: 'errors', errors: changes.errors });
        return;
      }
      if (changes.changed) edited = changes.arguments;
    }
    // A standing approval asked for with this approval: how long, and which arguments may differ.
    const standingFor = Number(
      (view.state.values[STANDING_BLOCK_ID]?.[STANDING_ACTION_ID] as { selected_option?: { value?: string } })
        ?.selected_option?.value ?? 0,
    );
    const vary = (
      (
        view.state.values[STANDING_VARY_BLOCK_ID]?.[STANDING_VARY_ACTION_ID] as {
          selected_options?: Array<{ value?: string }>;
        }
      )?.selected_options ?? []
    ).flatMap((o) => (o.value ? [o.value] : []));
    const again =
      approved && Number.isInteger(standingFor) && standingFor > 0
        ? { for_ms: standingFor, vary }
        : undefined;
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
        ':warning: Countersign could not confirm whether your decision was recorded. Open the card: it shows every decision that counted.',
      ).catch(() => {});
    }
  };
}
