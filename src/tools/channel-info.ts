import { z } from 'zod';
import { channelId } from './slack-ids.js';
import { defineTool } from './tool.js';

export const channelInfo = defineTool({
  name: 'channel_info',
  description:
    'Look up a Slack channel: its name, topic, purpose, whether it is archived, and how many members it has.',
  parameters: z.object({ channel: channelId }),
  risk: 'low',
  repeat: { kind: 'safe' },
  async execute({ channel }, { slack }) {
    const info = await slack.conversations.info({ channel, include_num_members: true });
    const c = info.channel ?? {};
    const data = {
      id: c.id,
      name: c.name,
      topic: c.topic?.value ?? '',
      purpose: c.purpose?.value ?? '',
      is_archived: c.is_archived ?? false,
      is_private: c.is_private ?? false,
      num_members: c.num_members,
    };
    return {
      summary: `<#${channel}>: ${data.num_members ?? '?'} members${data.is_archived ? ', archived' : ''}.`,
      data,
    };
  },
});
