// All Slack I/O the workflows do. Retries belong to Temporal (the WebClient's own are off), so a
// retried post is one Temporal knows about; a rate limit's Retry-After becomes the next retry's delay.

import { WebAPIPlatformError, WebAPIRateLimitedError, type WebClient } from '@slack/web-api';
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import { resolveEligibility } from '../approval/policy.js';
import type { BatchView, RunOutcome } from '../approval/run.js';
import type {
  ApprovalNote,
  ApprovalPreparation,
  ApprovalStatus,
  ApproverIds,
  Eligibility,
  SlackMessageRef,
} from '../approval/schemas.js';
import { updateApprovalCard } from '../slack/approval-card-update.js';
import { approvalCard, approvalCardText } from '../slack/blocks/approval-card.js';
import { approvalNoteText } from '../slack/blocks/approval-notes.js';
import { batchCard, batchCardText } from '../slack/blocks/batch-card.js';
import type { SlackIdLabels } from '../slack/blocks/proposal.js';
import { runResultText } from '../slack/blocks/run-result.js';
import { SLACK_USER_ID, slackIdsIn } from '../slack/ids.js';
import { installedTeam } from '../slack/installed-team.js';
import { requesterSight } from '../slack/requester-access.js';
import { SLACK_RATE_LIMITED, SLACK_REFUSED } from './failure-types.js';

export { SLACK_REFUSED };

/** Names looked up per call; past this, IDs show as they are (an agent call rarely names more). */
const LABELLED_IDS_MAX = 30;

/**
 * Slack's `ok:false` errors that a retry can fix: Slack's own trouble, not the call's. Every other error names
 * something wrong with the call (a channel gone or read-only, a scope or an org grant missing), and repeating it only
 * delays the moment a person learns of it — so those are final, including codes Slack adds after this list was made.
 */
const TRANSIENT_SLACK_ERRORS = new Set([
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'ratelimited',
  'team_added_to_org',
]);

/** The error code of a refusal no retry can fix; undefined for Slack's own trouble and for anything not a refusal. */
export function refusedForGood(error: unknown): string | undefined {
  return error instanceof WebAPIPlatformError && !TRANSIENT_SLACK_ERRORS.has(error.data.error)
    ? error.data.error
    : undefined;
}

/** Rethrows a Slack error the way Temporal should treat it. */
export function asTemporalFailure(error: unknown, what: string): never {
  if (error instanceof WebAPIRateLimitedError) {
    throw ApplicationFailure.create({
      message: `Slack rate-limited ${what}; retrying after ${error.retryAfter}s`,
      type: SLACK_RATE_LIMITED,
      nextRetryDelay: `${Math.max(1, error.retryAfter)}s`,
    });
  }
  const refused = refusedForGood(error);
  if (refused) throw ApplicationFailure.nonRetryable(`Slack refused ${what}: ${refused}`, SLACK_REFUSED);
  throw error;
}

/** Message metadata marks what we post, so that a retry can find a post whose answer was lost. */
export const CARD_EVENT_TYPE = 'countersign_approval';
export const RESULT_EVENT_TYPE = 'countersign_result';
export const NOTE_EVENT_TYPE = 'countersign_note';
export const BATCH_EVENT_TYPE = 'countersign_batch';
/** How far back (seconds) a retry looks before the moment the post was first due. */
const LOOKBACK_SECONDS = 120;
/** Messages read when looking for an earlier attempt's post. */
const LOOKUP_LIMIT = 200;

interface PostedMessage {
  ts?: string;
  metadata?: { event_type?: string; event_payload?: Record<string, unknown> };
}

/**
 * On a retry, the previous attempt may have posted and lost only Slack's answer (a timeout, a 5xx, a worker
 * killed mid-call). Posting again would duplicate the message, so first look for it by its metadata. Best
 * effort: if the look-up itself fails, post (a duplicate is better than nothing).
 */
async function findEarlierPost(
  slack: WebClient,
  where: { channel: string; threadTs: string | undefined; oldestSeconds: number },
  marker: { eventType: string; key: string; value: string },
  /** Look on a first attempt too: another activity may have posted it (a result posted with the model's answer). */
  elsewhere = false,
): Promise<string | undefined> {
  if (!elsewhere && Context.current().info.attempt <= 1) return undefined;
  try {
    const common = { channel: where.channel, include_all_metadata: true, limit: LOOKUP_LIMIT };
    const answer = where.threadTs
      ? await slack.conversations.replies({ ...common, ts: where.threadTs })
      : await slack.conversations.history({
          ...common,
          oldest: String(where.oldestSeconds - LOOKBACK_SECONDS),
        });
    const messages = (answer.messages ?? []) as PostedMessage[];
    const earlier = messages.find(
      (m) =>
        m.metadata?.event_type === marker.eventType &&
        m.metadata.event_payload?.[marker.key] === marker.value,
    );
    if (earlier?.ts)
      log.info('found the post of an earlier attempt; not posting again', { ...marker, ts: earlier.ts });
    return earlier?.ts;
  } catch (error) {
    log.warn('could not look for an earlier attempt’s post; posting', {
      ...marker,
      error: (error as Error).message,
    });
    return undefined;
  }
}

/** A text message marked with metadata, posted unless a retry finds that an earlier attempt already did. */
async function postTextOnce(
  slack: WebClient,
  post: {
    channel: string;
    threadTs: string | undefined;
    oldestSeconds: number;
    text: string;
    marker: { eventType: string; key: string; value: string };
    /** Whether another activity may have posted it already. */
    elsewhere?: boolean;
  },
): Promise<SlackMessageRef> {
  const { channel, threadTs, marker } = post;
  const earlier = await findEarlierPost(slack, post, marker, post.elsewhere);
  if (earlier) return { channel, ts: earlier };
  const posted = await slack.chat.postMessage({
    channel,
    ...(threadTs ? { thread_ts: threadTs } : {}),
    text: post.text,
    metadata: { event_type: marker.eventType, event_payload: { [marker.key]: marker.value } },
    unfurl_links: false,
    unfurl_media: false,
  });
  return { channel: posted.channel ?? channel, ts: posted.ts ?? '' };
}

async function teamOf(slack: WebClient): Promise<string> {
  try {
    return await installedTeam(slack);
  } catch (error) {
    asTemporalFailure(error, 'asking Slack which workspace Countersign is installed in');
  }
}

/** Who may decide under `approvers` now: user groups resolved to their members (a Slack refusal becomes a failure). */
export async function approversOf(
  slack: WebClient,
  approvers: ApproverIds | undefined,
): Promise<Eligibility> {
  const groupMembers: Record<string, string[]> = {};
  for (const group of approvers?.userGroups ?? []) {
    try {
      const answer = await slack.usergroups.users.list({ usergroup: group });
      groupMembers[group] = answer.users ?? [];
    } catch (error) {
      asTemporalFailure(error, `listing the members of user group ${group}`);
    }
  }
  return resolveEligibility(approvers, groupMembers);
}

/**
 * Names for the IDs, as the requester could read them in Slack: a conversation they cannot see (a private channel or
 * a direct message they are not in) keeps only its ID, since the card shows in channels and to people they chose.
 */
export async function labelsOf(
  slack: WebClient,
  args: Record<string, unknown>,
  requesterId: string,
): Promise<SlackIdLabels> {
  const labels: SlackIdLabels = {};
  const sight = requesterSight(slack, requesterId);
  for (const id of slackIdsIn(args).slice(0, LABELLED_IDS_MAX)) {
    try {
      if (SLACK_USER_ID.test(id)) {
        const { user } = await slack.users.info({ user: id });
        const name = user?.profile?.display_name || user?.real_name || user?.name;
        if (name) labels[id] = `@${name}`;
      } else {
        const { channel } = await slack.conversations.info({ channel: id });
        if (channel?.name && (await sight(id, channel))) labels[id] = `#${channel.name}`;
      }
    } catch (error) {
      log.info('could not name a Slack ID for the approval card', {
        id,
        error: (error as Error).message,
      });
    }
  }
  return labels;
}

export function createSlackActivities(deps: { slack: WebClient }) {
  const { slack } = deps;
  return {
    /** The workspace the bot token belongs to: only its full members may decide. */
    installedTeam: () => teamOf(slack),
    /** Who may decide, with user groups resolved to their members now, to be recorded with the approval. */
    resolveApprovers: (approvers: ApproverIds | undefined) => approversOf(slack, approvers),
    /**
     * Names for the Slack IDs in a call's arguments (`#old-project`, `@rita`), shown beside the IDs on the card and in
     * the form. Best effort: an ID Slack cannot name stays unnamed, and the card says so.
     */
    labelSlackIds: (args: Record<string, unknown>, requesterId: string) => labelsOf(slack, args, requesterId),
    /**
     * Everything an approval needs before its card, asked of Slack at once and returned to Temporal in one round
     * trip: the workspace, the names of the IDs, the first stage's approvers.
     */
    async prepareApproval(ask: {
      arguments: Record<string, unknown>;
      approvers: ApproverIds | undefined;
      /** Whose request it is: the names are those they could read in Slack. */
      requesterId: string;
    }): Promise<ApprovalPreparation> {
      const [teamId, labels, eligibility] = await Promise.all([
        teamOf(slack),
        labelsOf(slack, ask.arguments, ask.requesterId),
        approversOf(slack, ask.approvers),
      ]);
      return { teamId, labels, eligibility };
    },
    /** A message in an approval card's thread; `noteId` lets a retry find an attempt whose answer was lost. */
    async postApprovalNote(post: {
      channel: string;
      threadTs: string;
      noteId: string;
      note: ApprovalNote;
    }): Promise<SlackMessageRef> {
      try {
        return await postTextOnce(slack, {
          channel: post.channel,
          threadTs: post.threadTs,
          // A thread is short: the whole of it is searched.
          oldestSeconds: 0,
          text: approvalNoteText(post.note),
          marker: { eventType: NOTE_EVENT_TYPE, key: 'note_id', value: post.noteId },
        });
      } catch (error) {
        asTemporalFailure(
          error,
          `posting a ${post.note.kind.replace('_', ' ')} note in the approval's thread`,
        );
      }
    },

    async postApprovalCard({
      snapshot,
      channel,
    }: {
      snapshot: ApprovalStatus;
      channel: string;
    }): Promise<SlackMessageRef> {
      try {
        const earlier = await findEarlierPost(
          slack,
          {
            channel,
            threadTs: undefined,
            oldestSeconds: Math.floor(Date.parse(snapshot.requested_at) / 1000),
          },
          { eventType: CARD_EVENT_TYPE, key: 'request_id', value: snapshot.request_id },
        );
        if (earlier) return { channel, ts: earlier };
        const posted = await slack.chat.postMessage({
          channel,
          text: approvalCardText(snapshot),
          blocks: approvalCard(snapshot),
          metadata: {
            event_type: CARD_EVENT_TYPE,
            event_payload: { request_id: snapshot.request_id, workflow_id: snapshot.workflow_id },
          },
          unfurl_links: false,
          unfurl_media: false,
        });
        if (!posted.ts || !posted.channel)
          throw new Error('Slack accepted the approval card but returned no ts');
        return { channel: posted.channel, ts: posted.ts };
      } catch (error) {
        asTemporalFailure(error, `posting the approval card for ${snapshot.request_id}`);
      }
    },
    async updateApprovalCard(snapshot: ApprovalStatus, card: SlackMessageRef): Promise<void> {
      try {
        await updateApprovalCard(slack, snapshot, card);
      } catch (error) {
        asTemporalFailure(error, `updating the approval card for ${snapshot.request_id}`);
      }
    },
    /** The card of the calls of one model turn asked together (src/slack/blocks/batch-card.ts). */
    async postBatchCard(post: {
      channel: string;
      view: BatchView;
      /** `<run id>/batch-<n>`: marks the card, so that a retry finds an attempt whose answer was lost. */
      batchId: string;
      /** When the calls were asked, to bound a retry's look-up. */
      askedAt: string;
    }): Promise<SlackMessageRef> {
      try {
        const marker = { eventType: BATCH_EVENT_TYPE, key: 'batch_id', value: post.batchId };
        const where = {
          channel: post.channel,
          threadTs: undefined,
          oldestSeconds: Math.floor(Date.parse(post.askedAt) / 1000),
        };
        const earlier = await findEarlierPost(slack, where, marker);
        if (earlier) return { channel: post.channel, ts: earlier };
        const posted = await slack.chat.postMessage({
          channel: post.channel,
          text: batchCardText(post.view),
          blocks: batchCard(post.view),
          metadata: { event_type: BATCH_EVENT_TYPE, event_payload: { batch_id: post.batchId } },
          unfurl_links: false,
          unfurl_media: false,
        });
        return { channel: posted.channel ?? post.channel, ts: posted.ts ?? '' };
      } catch (error) {
        asTemporalFailure(error, `posting the card of run ${post.view.runId}'s calls`);
      }
    },
    async updateBatchCard(update: { card: SlackMessageRef; view: BatchView }): Promise<void> {
      try {
        await slack.chat.update({
          channel: update.card.channel,
          ts: update.card.ts,
          text: batchCardText(update.view),
          blocks: batchCard(update.view),
        });
      } catch (error) {
        asTemporalFailure(error, `updating the card of run ${update.view.runId}'s calls`);
      }
    },
    /**
     * The run's outcome, as a reply in a thread (or a new message when there is no thread). When Slack refuses that
     * channel for good (the bot removed, the channel archived or read-only), the requester gets it as a direct message
     * instead: an outcome nobody is told of is an outcome lost.
     */
    async postRunReply(reply: {
      runId: string;
      channel: string;
      threadTs: string | undefined;
      /** When the run started, to bound a retry's look-up. */
      startedAt: string;
      outcome: RunOutcome;
      /** The model's activity tried to post it with the answer, and may have before its answer was lost. */
      triedWithAnswer?: boolean;
    }): Promise<SlackMessageRef> {
      const post = (channel: string, threadTs: string | undefined) =>
        postTextOnce(slack, {
          channel,
          threadTs,
          oldestSeconds: Math.floor(Date.parse(reply.startedAt) / 1000),
          text: runResultText(reply.outcome),
          marker: { eventType: RESULT_EVENT_TYPE, key: 'run_id', value: reply.runId },
          ...(reply.triedWithAnswer ? { elsewhere: true } : {}),
        });
      try {
        return await post(reply.channel, reply.threadTs);
      } catch (error) {
        const refused = refusedForGood(error);
        if (!refused) asTemporalFailure(error, 'posting the run result');
        log.warn('the run result was refused in its channel; sending it to the requester directly', {
          run_id: reply.runId,
          error: refused,
        });
      }
      try {
        return await post(reply.outcome.requester.id, undefined);
      } catch (error) {
        asTemporalFailure(error, 'sending the run result to the requester directly');
      }
    },
  };
}
