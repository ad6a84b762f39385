// "Withdraw request" on the requester's acknowledgement of `/agent`: the same as `/agent cancel <run id>`.
import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { Client } from '@temporalio/client';
import { withdrawRunFor } from '../../run-access.js';

export function withdrawButton(deps: { temporal: Client }) {
  return async ({
    ack,
    body,
    action,
    respond,
  }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    // The value names a run, and anyone can send any value: withdrawRunFor answers only the run's requester.
    const text = await withdrawRunFor(deps.temporal, action.value ?? '', {
      id: body.user.id,
      name: body.user.name,
    });
    await respond({ response_type: 'ephemeral', replace_original: false, text });
  };
}
