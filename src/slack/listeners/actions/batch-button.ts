// Approve all / Reject all / Review each on the card of a turn's calls: one form for every call this person may
// decide now, each read from its own approval and checked with the same rules as a click on its own card.
import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { BATCH_MAX } from '../../../approval/run.js';
import { approvalRefSchema } from '../../../approval/schemas.js';
import { readApproval, whyNot } from '../../approvals.js';
import { BATCH_APPROVE_ACTION_ID, BATCH_REJECT_ACTION_ID } from '../../blocks/batch-card.js';
import { batchModal, type Sealer, sealBatchForm } from '../../decision-form/index.js';
import { MEMBERSHIP_TEXT, type MembershipCheck } from '../../membership.js';
import { answerClick, clickChannel } from './answer-click.js';

export interface BatchButtonDeps {
  temporal: Client;
  sealer: Sealer;
  membership: MembershipCheck;
}

const refsSchema = z.array(approvalRefSchema).min(1).max(BATCH_MAX);

const NOTHING_TO_DECIDE =
  ':information_source: None of these calls waits on you now: they are decided, or not yours to decide.';
const TOO_LARGE =
  ':information_source: These calls are too large to show whole in one form: decide each on its own card.';

export function batchButton(deps: BatchButtonDeps) {
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
    let refs: z.infer<typeof refsSchema>;
    try {
      refs = refsSchema.parse(JSON.parse(action.value ?? ''));
    } catch {
      logger.warn('batch button with a malformed value', { user: body.user.id });
      await tell(':no_entry_sign: This button is not from Countersign; nothing was done.');
      return;
    }
    const clicker = { id: body.user.id, name: body.user.name };
    const [membership, lookups] = await Promise.all([
      deps.membership(client, clicker.id),
      Promise.all(refs.map((ref) => readApproval(deps.temporal, ref))),
    ]);
    if (!membership.ok) {
      await tell(MEMBERSHIP_TEXT[membership.reason]);
      return;
    }
    const now = Date.now();
    const decidable = lookups.flatMap((lookup) =>
      lookup.ok && whyNot(lookup.status, clicker, now) === undefined ? [lookup.status] : [],
    );
    if (decidable.length === 0) {
      await tell(NOTHING_TO_DECIDE);
      return;
    }
    const preset =
      action.action_id === BATCH_APPROVE_ACTION_ID
        ? 'approve'
        : action.action_id === BATCH_REJECT_ACTION_ID
          ? 'reject'
          : undefined;
    const view = batchModal({
      statuses: decidable,
      preset,
      privateMetadata: sealBatchForm(deps.sealer, decidable, channel),
    });
    if (!view) {
      await tell(TOO_LARGE);
      return;
    }
    await client.views.open({ trigger_id: body.trigger_id, view });
  };
}
