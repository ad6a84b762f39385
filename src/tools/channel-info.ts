import { ErrorCode, type WebClient } from '@slack/web-api';
import { z } from 'zod';
import { channelId } from './slack-ids.js';
import { defineTool, ToolError } from './tool.js';

/** Slack's own maximum page size for conversations.members. */
const MEMBERS_PAGE_SIZE = 1000;

/**
 * For a conversation the requester may not read and for one that does not exist alike: it names nothing of the
 * conversation, not even whether it exists.
 */
export const NOT_THE_REQUESTERS_TEXT =
  'No channel with this id that the requester can see: channel_info looks up public channels, and private channels or direct messages only for their members.';

function isChannelNotFound(error: unknown): boolean {
  const e = error as { code?: unknown; data?: { error?: unknown } };
  return e?.code === ErrorCode.PlatformError && e.data?.error === 'channel_not_found';
}

async function isMember(slack: WebClient, channel: string, userId: string): Promise<boolean> {
  let cursor: string | undefined;
  do {
    const page = await slack.conversations.members({
      channel,
      limit: MEMBERS_PAGE_SIZE,
      ...(cursor ? { cursor } : {}),
    });
    if (page.members?.includes(userId)) return true;
    cursor = page.response_metadata?.next_cursor || undefined;
  } while (cursor);
  return false;
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
    // The bot may be in conversations the requester is not; a low-risk read runs at once, so it must not lend
    // the bot's access. Anything not plainly public (private, DM, group DM, or unstated) is for its members.
    const isPublic = c.is_private === false && !c.is_im && !c.is_mpim;
    if (!isPublic && !(await isMember(slack, channel, requesterId)))
      throw new ToolError(NOT_THE_REQUESTERS_TEXT);
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
