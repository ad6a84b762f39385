import { z } from 'zod';
import { channelId } from './slack-ids.js';
import { defineTool } from './tool.js';

export const archiveChannel = defineTool({
  name: 'archive_channel',
  description: 'Archive a Slack channel. Members lose it from their sidebar; only an admin can unarchive.',
  parameters: z.object({ channel: channelId }),
  risk: 'high',
  repeat: {
    kind: 'look_up_first',
    async lookUp({ channel }, { slack }) {
      const info = await slack.conversations.info({ channel });
      return info.channel?.is_archived
        ? { summary: `Archived <#${channel}>.`, data: { channel } }
        : undefined;
    },
  },
  async execute({ channel }, { slack }) {
    await slack.conversations.archive({ channel });
    return { summary: `Archived <#${channel}>.`, data: { channel } };
  },
});
