// Telling the person who clicked, privately: in the channel they clicked in, or — from App Home, where there is no
// channel to answer in — in a small modal opened where they clicked.
import type { AllMiddlewareArgs, BlockButtonAction } from '@slack/bolt';
import { noticeModal } from '../../blocks/notice.js';

/** The channel a click came from; none from App Home. */
export function clickChannel(body: BlockButtonAction): string | undefined {
  return body.channel?.id ?? body.container?.channel_id;
}

export async function answerClick(
  client: AllMiddlewareArgs['client'],
  body: BlockButtonAction,
  text: string,
): Promise<void> {
  const channel = clickChannel(body);
  if (channel) await client.chat.postEphemeral({ channel, user: body.user.id, text });
  else await client.views.open({ trigger_id: body.trigger_id, view: noticeModal(text) });
}
