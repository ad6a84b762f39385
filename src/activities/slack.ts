// All Slack I/O the workflows do. Retries belong to Temporal (the WebClient's own are off), so a
// retried post is one Temporal knows about; a rate limit's Retry-After becomes the next retry's delay.

import { WebAPIPlatformError, WebAPIRateLimitedError, type WebClient } from '@slack/web-api';
import { ApplicationFailure } from '@temporalio/activity';
import { resolveEligibility } from '../approval/policy.js';
import type { Eligibility, SlackMessageRef } from '../approval/schemas.js';
import { type ApprovalCardView, approvalCard, approvalCardText } from '../slack/blocks/approval-card.js';
import { runResultText } from '../slack/blocks/run-result.js';
import type { RunOutcome } from '../workflows/agent-types.js';

export const SLACK_REFUSED = 'SlackRefused';

/** Slack errors that a retry cannot fix: the call is wrong, not the moment. */
const PERMANENT_SLACK_ERRORS = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'missing_scope',
  'invalid_blocks',
  'msg_too_long',
  'no_permission',
  'restricted_action',
  'cant_update_message',
  'message_not_found',
  'user_not_found',
  'subteam_not_found',
]);

/** Rethrows a Slack error the way Temporal should treat it. */
export function asTemporalFailure(error: unknown, what: string): never {
  if (error instanceof WebAPIRateLimitedError) {
    throw ApplicationFailure.create({
      message: `Slack rate-limited ${what}; retrying after ${error.retryAfter}s`,
      type: 'SlackRateLimited',
      nextRetryDelay: `${Math.max(1, error.retryAfter)}s`,
    });
  }
  if (error instanceof WebAPIPlatformError && PERMANENT_SLACK_ERRORS.has(error.data.error)) {
    throw ApplicationFailure.nonRetryable(`Slack refused ${what}: ${error.data.error}`, SLACK_REFUSED);
  }
  throw error;
}

/** Message metadata marks our cards, so that a card can be recognised (and, later, found) by its request. */
const CARD_EVENT_TYPE = 'countersign_approval';

export function createSlackActivities(deps: {
  slack: WebClient;
  approvers: { users: string[]; userGroups: string[] } | undefined;
}) {
  const { slack } = deps;
  return {
    /** Who may decide, with user groups resolved to their members now, to be recorded with the approval. */
    async resolveApprovers(): Promise<Eligibility> {
      const groupMembers: Record<string, string[]> = {};
      for (const group of deps.approvers?.userGroups ?? []) {
        try {
          const answer = await slack.usergroups.users.list({ usergroup: group });
          groupMembers[group] = answer.users ?? [];
        } catch (error) {
          asTemporalFailure(error, `listing the members of user group ${group}`);
        }
      }
      return resolveEligibility(deps.approvers, groupMembers);
    },

    async postApprovalCard(view: ApprovalCardView & { channel: string }): Promise<SlackMessageRef> {
      try {
        const posted = await slack.chat.postMessage({
          channel: view.channel,
          text: approvalCardText(view),
          blocks: approvalCard(view),
          metadata: {
            event_type: CARD_EVENT_TYPE,
            event_payload: { request_id: view.requestId, workflow_id: view.workflowId },
          },
          unfurl_links: false,
          unfurl_media: false,
        });
        if (!posted.ts || !posted.channel)
          throw new Error('Slack accepted the approval card but returned no ts');
        return { channel: posted.channel, ts: posted.ts };
      } catch (error) {
        asTemporalFailure(error, `posting the approval card for ${view.requestId}`);
      }
    },

    async updateApprovalCard(view: ApprovalCardView, card: SlackMessageRef): Promise<void> {
      try {
        await slack.chat.update({
          channel: card.channel,
          ts: card.ts,
          text: approvalCardText(view),
          blocks: approvalCard(view),
        });
      } catch (error) {
        asTemporalFailure(error, `updating the approval card for ${view.requestId}`);
      }
    },

    /** The run's outcome, as a reply in a thread (or a new message when there is no thread). */
    async postRunReply(reply: {
      channel: string;
      threadTs: string | undefined;
      outcome: RunOutcome;
    }): Promise<SlackMessageRef> {
      try {
        const posted = await slack.chat.postMessage({
          channel: reply.channel,
          ...(reply.threadTs ? { thread_ts: reply.threadTs } : {}),
          text: runResultText(reply.outcome),
          unfurl_links: false,
          unfurl_media: false,
        });
        return { channel: posted.channel ?? reply.channel, ts: posted.ts ?? '' };
      } catch (error) {
        asTemporalFailure(error, 'posting the run result');
      }
    },
  };
}
