// A message to the app in its Messages tab (`message.im`): a run in that message's thread. Every message there is to
// the agent, so no mention is needed, and a reply in the thread continues the conversation.
import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { AgentCommandDeps } from '../commands/agent.js';
import { takeConversationTurn, withoutMention } from './conversation-turn.js';

export function messagesTab(deps: AgentCommandDeps) {
  return async ({
    event,
    body,
    context,
    client,
    logger,
  }: SlackEventMiddlewareArgs<'message'> & AllMiddlewareArgs): Promise<void> => {
    // A person's own new message only: no edits, deletions or bot posts (our own replies come back here as events too).
    if (event.channel_type !== 'im' || event.subtype !== undefined || event.bot_id || !event.user) return;
    await takeConversationTurn(
      deps,
      { client, logger },
      {
        via: 'messages_tab',
        teamId: context.teamId ?? body.team_id,
        channel: event.channel,
        user: event.user,
        text: withoutMention(event.text ?? '', context.botUserId),
        ts: event.ts,
        threadTs: event.thread_ts,
      },
    );
  };
}
