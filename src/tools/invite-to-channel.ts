import { z } from 'zod';
import { channelId, userId } from './slack-ids.js';
import { defineTool } from './tool.js';

/** Slack invites at most 1000 users per call; a handful is all an agent should ever need. */
const INVITEES_MAX = 30;

export const inviteToChannel = defineTool({
  name: 'invite_to_channel',
  description: 'Invite one or more users to a Slack channel.',
  parameters: z.object({ channel: channelId, users: z.array(userId).min(1).max(INVITEES_MAX) }),
  // Inviting many people at once is how a private channel leaks.
  risk: ({ users }) => (users.length > 5 ? 'high' : 'medium'),
  repeat: {
    kind: 'look_up_first',
    async lookUp({ channel, users }, { slack }) {
      const answer = await slack.conversations.members({ channel, limit: 1000 });
      const members = new Set(answer.members ?? []);
      return users.every((user) => members.has(user))
        ? { summary: `Invited ${users.join(', ')} to <#${channel}>.`, data: { channel, users } }
        : undefined;
    },
  },
  async execute({ channel, users }, { slack }) {
    await slack.conversations.invite({ channel, users: users.join(',') });
    return { summary: `Invited ${users.join(', ')} to <#${channel}>.`, data: { channel, users } };
  },
});
