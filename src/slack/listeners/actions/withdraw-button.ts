// "Withdraw request" on the requester's acknowledgement of `/agent`: the same as `/agent cancel <run id>`.
import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { noticeModal } from '../../blocks/notice.js';
import { type HomeDeps, republishHome } from '../../home.js';
import { withdrawRunFor } from '../../run-access.js';

export function withdrawButton(deps: HomeDeps) {
  return async ({
    ack,
    body,
    action,
    respond,
    client,
    logger,
  }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const person = { id: body.user.id, name: body.user.name };
    // The value names a run, and anyone can send any value: withdrawRunFor answers only the run's requester.
    const text = await withdrawRunFor(deps.temporal, action.value ?? '', person);
    // The answer where they clicked (a notice over App Home), and their Home as it now stands.
    if (body.view?.type === 'home') {
      await client.views.open({ trigger_id: body.trigger_id, view: noticeModal(text) });
    } else {
      await respond({ response_type: 'ephemeral', replace_original: false, text });
    }
    await republishHome(deps, client, person).catch((error: Error) =>
      logger.error('could not publish App Home', { user: person.id, error: error.message }),
    );
  };
}
