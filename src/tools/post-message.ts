import { z } from 'zod';
import { channelId } from './slack-ids.js';
import { defineTool } from './tool.js';

/** Slack's limit for a message's text. */
const MESSAGE_TEXT_MAX = 4000;
/** Marks the agent's posts, so that a retry after a lost answer finds the first attempt's message. */
export const TOOL_POST_EVENT_TYPE = 'countersign_tool_post';
/** Messages a retry reads back when looking for the first attempt's post. */
const LOOKUP_LIMIT = 200;

export const postMessage = defineTool({
  name: 'post_message',
  description: 'Post a message to a Slack channel as the Countersign bot.',
  parameters: z.object({
    channel: channelId,
    text: z.string().min(1).max(MESSAGE_TEXT_MAX).describe('The message, in Slack mrkdwn'),
  }),
  risk: 'medium',
  repeat: {
    kind: 'look_up_first',
    async lookUp({ channel }, { slack, callKey }) {
      const history = await slack.conversations.history({
        channel,
        include_all_metadata: true,
        limit: LOOKUP_LIMIT,
      });
      const earlier = (history.messages ?? []).find(
        (m) =>
          m.metadata?.event_type === TOOL_POST_EVENT_TYPE &&
          (m.metadata.event_payload as Record<string, unknown> | undefined)?.call_key === callKey,
      );
      return earlier?.ts
        ? { summary: `Posted a message in <#${channel}>.`, data: { channel, ts: earlier.ts } }
        : undefined;
    },
  },
  async execute({ channel, text }, { slack, callKey }) {
    const posted = await slack.chat.postMessage({
      channel,
      text,
      // Slack fetches every link in a message to unfurl it: a link the model wrote from what it read could carry that
      // out of the workspace in its URL, fetched by Slack's servers before anyone reads the message.
      unfurl_links: false,
      unfurl_media: false,
      metadata: { event_type: TOOL_POST_EVENT_TYPE, event_payload: { call_key: callKey } },
    });
    return { summary: `Posted a message in <#${channel}>.`, data: { channel, ts: posted.ts } };
  },
});
