// Approve / Reject on an approval card: check with the workflow and the policy, then open the notes modal.

import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { View } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import type { Client } from '@temporalio/client';
import { type ApprovalRef, type ApprovalStatus, approvalRefSchema } from '../../../approval/schemas.js';
import { updateApprovalCard } from '../../approval-card-update.js';
import { type ApprovalLookup, readApproval, whyNot } from '../../approvals.js';
import { APPROVE_ACTION_ID } from '../../blocks/approval-card.js';
import { INBOX_BLOCK_PREFIX } from '../../blocks/home.js';
import { CHECKING_TEXT, noticeModal } from '../../blocks/notice.js';
import { decisionModal, formEditMode, type Sealer, sealDecisionForm } from '../../decision-form/index.js';
import { MEMBERSHIP_TEXT, type Membership, type MembershipCheck } from '../../membership.js';
import { answerClick, clickChannel } from './answer-click.js';

export interface DecisionButtonDeps {
  temporal: Client;
  sealer: Sealer;
  membership: MembershipCheck;
}

/** How long a click waits for a just-posted card to be recorded: well inside the trigger_id's 3 seconds. */
const CARD_RECORD_RETRIES = 5;
const CARD_RECORD_RETRY_MS = 100;
/**
 * Once a placeholder modal holds the trigger, a slow Temporal gets this long. The usual cause is a worker restarting
 * (a deploy: the process starts, connects, loads its workflows and replays the one asked about), which can take more
 * than 8 s on a busy machine; the person sees "Checking this request…" meanwhile, and then the form, or why not
 * (within 15 s of the click when Temporal itself is down: test/e2e/durability.test.ts).
 */
const SLOW_LOOKUP_BUDGET_MS = 12_000;

const REFUSED_TAMPERED =
  ':no_entry_sign: This button does not belong to this approval card; nothing was done.';

interface Click {
  ref: ApprovalRef;
  approved: boolean;
  user: { id: string; name?: string };
  channel: string | undefined;
  messageTs: string | undefined;
  /** A card in a channel, or the person's own inbox (App Home, `/agent pending`). */
  origin: 'card' | 'inbox';
}

/** What the click leads to: the decision modal, or a refusal in words for the clicker. */
function assess(
  lookup: ApprovalLookup,
  membership: Membership,
  click: Click,
  sealer: Sealer,
): { view: View } | { refusal: string } {
  if (!membership.ok) return { refusal: MEMBERSHIP_TEXT[membership.reason] };
  if (!lookup.ok) return { refusal: lookup.message };
  const { status } = lookup;
  // The button must sit on one of this approval's own cards: a value edited to point at another approval is refused.
  if (!isOnCard(status, click)) {
    return { refusal: REFUSED_TAMPERED };
  }
  const reason = whyNot(status, click.user, Date.now());
  if (reason) return { refusal: reason };
  const edit = formEditMode(status, click.approved);
  const sealed = sealDecisionForm(sealer, {
    ref: click.ref,
    status,
    approved: click.approved,
    channel: click.channel,
    edit,
  });
  return {
    view: decisionModal({ status, approved: click.approved, privateMetadata: sealed, edit }),
  };
}

function isOnCard(status: ApprovalStatus, click: Click): boolean {
  // The inbox lists what the workflow's rules let this person decide; the rules are checked again below.
  if (click.origin === 'inbox') return true;
  return status.cards.some((card) => card.ts === click.messageTs && card.channel === click.channel);
}

/**
 * The person's inbox: their own App Home (Slack sends its view with the click), or the ephemeral `/agent pending`
 * list, whose button blocks carry the inbox prefix.
 */
function fromInbox(body: BlockButtonAction, action: BlockButtonAction['actions'][number]): boolean {
  if (body.view?.type === 'home') return true;
  const container = body.container as { type?: string; is_ephemeral?: boolean } | undefined;
  return (
    container?.type === 'message' &&
    container.is_ephemeral === true &&
    action.block_id.startsWith(INBOX_BLOCK_PREFIX)
  );
}

/**
 * A click on a card of a request that has ended redraws that card as the request ended: the Slack app updates the
 * cards with the answer to the decision that ended it (src/slack/decision-form/answer.ts), and a card it could not
 * update (Slack refused, or the answer never reached it) still shows its buttons until someone clicks one.
 */
async function redrawIfEnded(
  client: WebClient,
  status: ApprovalStatus,
  click: Click,
  logger: { warn(message: string, ...args: unknown[]): void },
): Promise<void> {
  if (status.status === 'pending' || click.origin !== 'card') return;
  // Only one of the request's own cards: a button value pointing elsewhere redraws nothing.
  const card = status.cards.find((c) => c.ts === click.messageTs && c.channel === click.channel);
  if (!card) return;
  await updateApprovalCard(client, status, card).catch((error: Error) =>
    logger.warn('could not redraw the card of an ended approval request', {
      request_id: status.request_id,
      error: error.message,
    }),
  );
}

async function lookUp(temporal: Client, click: Click, budgetMs?: number): Promise<ApprovalLookup> {
  let lookup = await readApproval(temporal, click.ref, budgetMs);
  // A click can beat the workflow to recording its own card's ts by a few milliseconds.
  for (
    let retry = 0;
    lookup.ok && !isOnCard(lookup.status, click) && retry < CARD_RECORD_RETRIES;
    retry += 1
  ) {
    await new Promise((resolve) => setTimeout(resolve, CARD_RECORD_RETRY_MS));
    lookup = await readApproval(temporal, click.ref, budgetMs);
  }
  return lookup;
}

export function decisionButton(deps: DecisionButtonDeps) {
  return async ({
    ack,
    body,
    action,
    client,
    logger,
  }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const channel = clickChannel(body);
    const tell = (text: string) => answerClick(client, body, text);

    let value: unknown;
    try {
      value = JSON.parse(action.value ?? '');
    } catch {
      value = undefined;
    }
    const ref = approvalRefSchema.safeParse(value);
    if (!ref.success) {
      logger.warn('approval button with a malformed value', { user: body.user.id });
      await tell(REFUSED_TAMPERED);
      return;
    }
    const click: Click = {
      ref: ref.data,
      approved: action.action_id === APPROVE_ACTION_ID,
      user: { id: body.user.id, name: body.user.name },
      channel,
      messageTs: body.message?.ts ?? body.container?.message_ts,
      origin: fromInbox(body, action) ? 'inbox' : 'card',
    };

    const [lookup, membership] = await Promise.all([
      lookUp(deps.temporal, click),
      deps.membership(client, click.user.id),
    ]);
    if (lookup.ok || lookup.reason !== 'slow' || !membership.ok) {
      const next = assess(lookup, membership, click, deps.sealer);
      if ('refusal' in next) await tell(next.refusal);
      else await client.views.open({ trigger_id: body.trigger_id, view: next.view });
      if (lookup.ok) await redrawIfEnded(client, lookup.status, click, logger);
      return;
    }
    // Temporal is slow, not down: hold the trigger_id with a placeholder before it expires, then finish there.
    const placeholder = await client.views.open({
      trigger_id: body.trigger_id,
      view: noticeModal(CHECKING_TEXT),
    });
    const viewId = placeholder.view?.id;
    if (!viewId) return;
    const next = assess(
      await lookUp(deps.temporal, click, SLOW_LOOKUP_BUDGET_MS),
      membership,
      click,
      deps.sealer,
    );
    await client.views.update({
      view_id: viewId,
      ...(placeholder.view?.hash ? { hash: placeholder.view.hash } : {}),
      view: 'refusal' in next ? noticeModal(next.refusal) : next.view,
    });
  };
}
