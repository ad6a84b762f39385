import { z } from 'zod';
import { channelId } from './slack-ids.js';
import { defineTool } from './tool.js';

/** Slack's limit for a message's text. */
const MESSAGE_TEXT_MAX = 4000;

export const postMessage = defineTool({
  name: 'post_message',
  description: 'Post a message to a Slack channel as the Countersign bot.',
  parameters: z.object({
    channel: channelId,
    text: z.string().min(1).max(MESSAGE_TEXT_MAX).describe('The message, in Slack mrkdwn'),
  }),
  risk: 'medium',
  async execute({ channel, text }, { slack }) {
    const posted = await slack.chat.postMessage({ channel, text });
    return { summary: `Posted a message in <#${channel}>.`, data: { channel, ts: posted.ts } };
  },
});
