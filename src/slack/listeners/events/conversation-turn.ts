// A message to the agent in a conversation — a mention in a channel thread, a message in the app's Messages tab —
// starts a run exactly as `/agent` does (the same requester check, policy, cards, audit and workflow), in the thread
// it was written in. A later message of the requester's in that thread continues the conversation: a new run that
// hears the thread's earlier turns. Slack acknowledges events itself, so the answers here come as ephemeral lines.
import type { AllMiddlewareArgs } from '@slack/bolt';
import type { KnownBlock } from '@slack/types';
import type { Turn } from '../../../approval/conversation.js';
import { runAcknowledgement, runAcknowledgementText } from '../../blocks/run-status.js';
import { mention, safeText } from '../../blocks/text.js';
import {
  conversationMemo,
  conversationRunId,
  type Session,
  type ThreadRun,
  threadRuns,
  threadState,
} from '../../conversations.js';
import { REQUESTER_REFUSAL_TEXT, type RequesterVerdict } from '../../requester-access.js';
import { startAgentRun } from '../../start-run.js';
import { TEMPORAL_UNREACHABLE_TEXT } from '../../temporal-deadline.js';
import type { AgentCommandDeps } from '../commands/agent.js';

/** A person's message to the agent, as the listeners read it from Slack's event. */
export interface ConversationMessage {
  via: Session['via'];
  teamId: string;
  channel: string;
  user: string;
  /** What they asked, the bot's own mention taken out. */
  text: string;
  ts: string;
  /** The thread it was written in; absent for a message that starts one. */
  threadTs: string | undefined;
}

export const EMPTY_REQUEST_TEXT =
  ':wave: Tell me what to do in the same message, e.g. “@Countersign archive #old-project”.';

/** Someone wrote in a thread that holds another person's conversation: it never acts on that person's behalf. */
export function notYourThreadText(ownerId: string): string {
  return `:lock: This thread is ${mention(ownerId)}’s conversation with the agent: it acts only on their messages here. To ask it yourself, mention it in a message of your own, outside this thread.`;
}

/** The requester wrote again while the thread's run still works: one run per thread at a time. */
export function stillWorkingText(runId: string): string {
  const id = safeText(runId, 100);
  return `:hourglass_flowing_sand: The agent is still on your last request in this thread (run \`${id}\`). Wait for its answer, or stop it (the stop button, or \`/agent cancel ${id}\`), then ask again.`;
}

/** Takes the bot's own mention out of a message's text: `<@U123> archive #x` → `archive #x`. */
export function withoutMention(text: string, botUserId: string | undefined): string {
  if (!botUserId) return text.trim();
  return text
    .replace(new RegExp(`<@${botUserId}(?:\\|[^>]*)?>`, 'g'), ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

type Slack = Pick<AllMiddlewareArgs, 'client' | 'logger'>;

export async function takeConversationTurn(
  deps: AgentCommandDeps,
  { client, logger }: Slack,
  message: ConversationMessage,
): Promise<void> {
  const session: Session = {
    channel: message.channel,
    threadTs: message.threadTs ?? message.ts,
    teamId: message.teamId,
    via: message.via,
  };
  /** Only the person who wrote sees the answer, in the thread they wrote in. */
  const tell = async (text: string, blocks?: KnownBlock[]) => {
    await client.chat
      .postEphemeral({
        channel: session.channel,
        user: message.user,
        thread_ts: session.threadTs,
        text,
        ...(blocks ? { blocks } : {}),
      })
      .catch((error: Error) =>
        logger.error('could not answer a message to the agent', { user: message.user, error: error.message }),
      );
  };
  if (message.text === '') {
    await tell(EMPTY_REQUEST_TEXT);
    return;
  }
  // Only someone who may ask starts a run; a refusal is the whole answer.
  const verdict = await deps
    .requester(client, message.user)
    .catch((): RequesterVerdict => ({ ok: false, reason: 'unverifiable' }));
  if (!verdict.ok) {
    logger.info('refused a request: the requester may not ask', {
      user: message.user,
      reason: verdict.reason,
    });
    await tell(REQUESTER_REFUSAL_TEXT[verdict.reason]);
    return;
  }
  const runId = conversationRunId(session, message.ts);
  let runs: ThreadRun[];
  let earlier: Turn[];
  try {
    runs = await threadRuns(deps.temporal, session);
    if (runs.some((run) => run.runId === runId)) {
      logger.info('message delivered again; its run was already started', { runId });
      return;
    }
    // The thread is the conversation of whoever started it; nobody else's message acts in it.
    const owner = runs[0]?.requesterId;
    if (owner && owner !== message.user) {
      logger.info('ignored a message in another person’s conversation', {
        user: message.user,
        runId: runs[0]?.runId,
      });
      await tell(notYourThreadText(owner));
      return;
    }
    const state = runs.length > 0 ? await threadState(deps.temporal, runs) : { busy: undefined, earlier: [] };
    if (state.busy) {
      await tell(stillWorkingText(state.busy));
      return;
    }
    earlier = state.earlier;
  } catch (error) {
    logger.error('could not read the conversation’s earlier runs', {
      runId,
      error: (error as Error).message,
    });
    await tell(TEMPORAL_UNREACHABLE_TEXT);
    return;
  }
  const started = await startAgentRun(
    deps,
    runId,
    {
      request: message.text,
      requester: { id: message.user },
      channel: session.channel,
      teamId: session.teamId,
      session,
      ...(earlier.length > 0 ? { earlier } : {}),
    },
    conversationMemo(message.user),
  );
  if (started === 'duplicate') {
    logger.info('message delivered again; its run was already started', { runId });
    return;
  }
  if (started !== 'started') {
    logger.error('could not start an agent run', { runId, error: started.error });
    await tell(`${TEMPORAL_UNREACHABLE_TEXT} (run \`${runId}\` was not started)`);
    return;
  }
  const acknowledgement = runAcknowledgementText(message.text, runId);
  await tell(acknowledgement, runAcknowledgement(acknowledgement, runId));
}
