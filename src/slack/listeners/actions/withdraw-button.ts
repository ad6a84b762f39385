// "Withdraw request" on the requester's acknowledgement of `/agent`: the same as `/agent cancel <run id>`.
import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { Client } from '@temporalio/client';
import { withdrawRequest } from '../../approvals.js';

export function withdrawButton(deps: { temporal: Client }) {
  return async ({
    ack,
    body,
    action,
    respond,
  }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    // The value names a run; only that run's requester may withdraw it, which withdrawRequest checks.
    const text = await withdrawRequest(deps.temporal, action.value ?? '', {
      id: body.user.id,
      name: body.user.name,
    });
    await respond({ response_type: 'ephemeral', replace_original: false, text });
  };
}
