import { z } from 'zod';
import { SLACK_CHANNEL_ID, SLACK_USER_ID } from '../slack/ids.js';

// Slack IDs as the model sees them in escaped slash-command text: <#C123|name> and <@U123|name>.
export const channelId = z
  .string()
  .regex(SLACK_CHANNEL_ID, { error: 'expected a Slack channel ID like C0123ABCD' })
  .describe('Slack channel ID, e.g. C0123ABCD (from <#C0123ABCD|name> in the request)');

export const userId = z
  .string()
  .regex(SLACK_USER_ID, { error: 'expected a Slack user ID like U0123ABCD' })
  .describe('Slack user ID, e.g. U0123ABCD (from <@U0123ABCD|name> in the request)');
