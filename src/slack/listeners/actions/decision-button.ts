// Approve / Reject on an approval card: check with the workflow and the policy, then open the notes modal.
import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { Client } from '@temporalio/client';
import { approvalButtonValueSchema, readApproval, whyNot } from '../../approvals.js';
import { APPROVE_ACTION_ID } from '../../blocks/approval-card.js';
import { decisionModal } from '../../blocks/decision-modal.js';
import type { Sealer } from '../../seal.js';

export interface DecisionButtonDeps {
  temporal: Client;
  sealer: Sealer;
}

/** How long a click waits for a just-posted card to be recorded: well inside the trigger_id's 3 seconds. */
const CARD_RECORD_RETRIES = 5;
const CARD_RECORD_RETRY_MS = 100;

const REFUSED_TAMPERED =
  ':no_entry_sign: This button does not belong to this approval card; nothing was done.';

export function decisionButton(deps: DecisionButtonDeps) {
  return async ({
    ack,
    body,
    action,
    client,
    logger,
  }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const channel = body.channel?.id ?? body.container?.channel_id;
    const tell = async (text: string) => {
      if (!channel) return;
      await client.chat.postEphemeral({ channel, user: body.user.id, text });
    };

    let value: unknown;
    try {
      value = JSON.parse(action.value ?? '');
    } catch {
      value = undefined;
    }
    const ref = approvalButtonValueSchema.safeParse(value);
    if (!ref.success) {
      logger.warn('approval button with a malformed value', { user: body.user.id });
      await tell(REFUSED_TAMPERED);
      return;
    }
    let lookup = await readApproval(deps.temporal, ref.data);
    // A click can beat the workflow to recording its own card's ts by a few milliseconds.
    for (let retry = 0; lookup.ok && !lookup.status.card && retry < CARD_RECORD_RETRIES; retry += 1) {
      await new Promise((resolve) => setTimeout(resolve, CARD_RECORD_RETRY_MS));
      lookup = await readApproval(deps.temporal, ref.data);
    }
    if (!lookup.ok) {
      await tell(lookup.message);
      return;
    }
    const { status } = lookup;
    // The button must sit on this approval's own card: a value edited to point at another approval is refused.
    const messageTs = body.message?.ts ?? body.container?.message_ts;
    if (!status.card || status.card.ts !== messageTs || status.card.channel !== channel) {
      logger.warn('approval button value does not match its card', {
        user: body.user.id,
        workflowId: ref.data.workflowId,
      });
      await tell(REFUSED_TAMPERED);
      return;
    }
    const reason = whyNot(status, { id: body.user.id, name: body.user.name }, Date.now());
    if (reason) {
      await tell(reason);
      return;
    }
    const approved = action.action_id === APPROVE_ACTION_ID;
    await client.views.open({
      trigger_id: body.trigger_id,
      view: decisionModal({
        status,
        approved,
        privateMetadata: deps.sealer.seal({ ...ref.data, approved, ...(channel ? { channel } : {}) }),
      }),
    });
  };
}
