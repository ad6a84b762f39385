import { ErrorCode } from '@slack/web-api';
import { z } from 'zod';
import { requesterSight } from '../slack/requester-access.js';
import { channelId } from './slack-ids.js';
import { defineTool, ToolError } from './tool.js';

/**
 * For a conversation the requester may not read and for one that does not exist alike: it names nothing of the
 * conversation, not even whether it exists.
 */
export const NOT_THE_REQUESTERS_TEXT =
  'No channel with this id that the requester can see: channel_info looks up public channels for full members of the workspace, and any other channel (private, a direct message, or any channel for a guest) only for its members.';

function isChannelNotFound(error: unknown): boolean {
  const e = error as { code?: unknown; data?: { error?: unknown } };
  return e?.code === ErrorCode.PlatformError && e.data?.error === 'channel_not_found';
}

export const channelInfo = defineTool({
  name: 'channel_info',
  description:
    'Look up a Slack channel: its name, topic, purpose, whether it is archived, and how many members it has. Private channels and direct messages only when the requester is a member.',
  parameters: z.object({ channel: channelId }),
  risk: 'low',
  repeat: { kind: 'safe' },
  async execute({ channel }, { slack, requesterId }) {
    const info = await slack.conversations.info({ channel, include_num_members: true }).catch((error) => {
      throw isChannelNotFound(error) ? new ToolError(NOT_THE_REQUESTERS_TEXT) : error;
    });
    const c = info.channel ?? {};
    // A low-risk read runs at once, so it must not lend the bot's access: the requester reads only what they could
    // read in Slack themselves (a guest, only the channels they are in).
    if (!(await requesterSight(slack, requesterId)(channel, c))) throw new ToolError(NOT_THE_REQUESTERS_TEXT);
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
