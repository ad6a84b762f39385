// The agent's tools. Adding a tool: write its file beside this one and list it here.
import { archiveChannel } from './archive-channel.js';
import { callWebhook } from './call-webhook.js';
import { channelInfo } from './channel-info.js';
import { inviteToChannel } from './invite-to-channel.js';
import { postMessage } from './post-message.js';
import { setChannelTopic } from './set-channel-topic.js';
import type { Tool } from './tool.js';

export const TOOLS: readonly Tool[] = [
  channelInfo,
  postMessage,
  setChannelTopic,
  inviteToChannel,
  archiveChannel,
  callWebhook,
];
