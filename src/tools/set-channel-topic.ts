import { z } from 'zod';
import { channelId } from './slack-ids.js';
import { defineTool } from './tool.js';

/** Slack's limit for a channel topic. */
const TOPIC_MAX = 250;

export const setChannelTopic = defineTool({
  name: 'set_channel_topic',
  description: "Set a Slack channel's topic.",
  parameters: z.object({ channel: channelId, topic: z.string().max(TOPIC_MAX) }),
  risk: 'medium',
  repeat: {
    kind: 'look_up_first',
    async lookUp({ channel, topic }, { slack }) {
      const info = await slack.conversations.info({ channel });
      return info.channel?.topic?.value === topic
        ? { summary: `Set the topic of <#${channel}>.`, data: { channel, topic } }
        : undefined;
    },
  },
  async execute({ channel, topic }, { slack }) {
    await slack.conversations.setTopic({ channel, topic });
    return { summary: `Set the topic of <#${channel}>.`, data: { channel, topic } };
  },
});
