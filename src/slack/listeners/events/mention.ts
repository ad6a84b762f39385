// `@Countersign <request>` in a channel (or a thread) the bot is in: a run in the mention's thread.
import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { AgentCommandDeps } from '../commands/agent.js';
import { takeConversationTurn, withoutMention } from './conversation-turn.js';

export function mention(deps: AgentCommandDeps) {
  return async ({
    event,
    body,
    context,
    client,
    logger,
  }: SlackEventMiddlewareArgs<'app_mention'> & AllMiddlewareArgs): Promise<void> => {
    // Bots (and our own posts) never start runs: no loops between agents.
    if (event.bot_id || event.subtype || !event.user) return;
    await takeConversationTurn(
      deps,
      { client, logger },
      {
        via: 'mention',
        teamId: context.teamId ?? body.team_id,
        channel: event.channel,
        user: event.user,
        text: withoutMention(event.text, context.botUserId),
        ts: event.ts,
        threadTs: event.thread_ts,
      },
    );
  };
}
