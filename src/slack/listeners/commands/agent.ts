// `/agent <request>`, `status`, `cancel`: each acknowledged within Slack's 3 seconds, however slow Temporal is.
import { createHash } from 'node:crypto';
import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { KnownBlock } from '@slack/types';
import { runAcknowledgement, runAcknowledgementText, STILL_CHECKING_TEXT } from '../../blocks/run-status.js';
import { pendingFor } from '../../home.js';
import type { MembershipCheck } from '../../membership.js';
import {
  CHECKING_REQUESTER_TEXT,
  REQUESTER_REFUSAL_TEXT,
  type RequesterCheck,
  type RequesterVerdict,
} from '../../requester-access.js';
import { runStatusFor, withdrawRunFor } from '../../run-access.js';
import { type RunStartDeps, startAgentRun } from '../../start-run.js';
import { TEMPORAL_UNREACHABLE_TEXT } from '../../temporal-deadline.js';

export interface AgentCommandDeps extends RunStartDeps {
  membership: MembershipCheck;
  /** Who may ask the agent: checked before a run starts. */
  requester: RequesterCheck;
}

const USAGE = [
  '*Countersign* — ask the agent to do something in this workspace. Risky actions wait for an approver.',
  '• `/agent <request>` — e.g. `/agent archive #old-project`',
  '• `/agent pending` — what waits on your approval (also in the app’s Home tab)',
  '• `/agent status <run id>` — where a run stands (your own runs, and those you approve)',
  '• `/agent cancel <run id>` — withdraw your request while it waits for approval (or use the button on its acknowledgement)',
  '• `/agent help` — this message',
].join('\n');

const STATUS_COMMAND = /^status\s+(\S+)$/i;
const CANCEL_COMMAND = /^cancel\s+(\S+)$/i;

/**
 * A run id short enough to type, derived from the command's trigger_id (unique per invocation): a replayed
 * request maps to the same run, which Temporal refuses to start twice.
 */
export function runIdFor(teamId: string, triggerId: string): string {
  return `run-${createHash('sha256').update(`${teamId}:${triggerId}`).digest('base64url').slice(0, 12)}`;
}

/** Within Slack's 3 s for the acknowledgement, less Bolt's and the network's share. */
const ACK_BUDGET_MS = 2_500;

/** What `answer` gives within the acknowledgement's budget; undefined when it is still on its way. */
async function beforeAckDeadline<T>(answer: Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const tooLate = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ACK_BUDGET_MS);
  });
  return Promise.race([answer, tooLate]).finally(() => clearTimeout(timer));
}

/**
 * Acknowledges with the answer when Temporal gives it in time; otherwise acknowledges at once that it is still
 * being asked, and sends the answer (or why there is none) through the response_url when it comes.
 */
async function answerInTime(
  answer: Promise<string>,
  { ack, respond }: Pick<SlackCommandMiddlewareArgs, 'ack' | 'respond'>,
): Promise<void> {
  const early = await beforeAckDeadline(answer);
  if (early !== undefined) {
    await ack({ response_type: 'ephemeral', text: early });
    return;
  }
  await ack({ response_type: 'ephemeral', text: STILL_CHECKING_TEXT });
  await respond({ response_type: 'ephemeral', text: await answer });
}

type Reply = (message: {
  response_type: 'ephemeral';
  text: string;
  blocks?: KnownBlock[];
}) => Promise<unknown>;

/**
 * Whether this person may ask, known before anything is acknowledged as started: in the acknowledgement when Slack
 * answers in time, otherwise after a "checking" acknowledgement, through the response_url. Returns how to answer
 * them from then on, or undefined when they were refused (and told so).
 */
async function admit(
  deps: Pick<AgentCommandDeps, 'requester'>,
  { command, ack, respond, client, logger }: SlackCommandMiddlewareArgs & AllMiddlewareArgs,
): Promise<Reply | undefined> {
  const asked = deps
    .requester(client, command.user_id)
    .catch((): RequesterVerdict => ({ ok: false, reason: 'unverifiable' }));
  let verdict = await beforeAckDeadline(asked);
  let reply: Reply = ack;
  if (verdict === undefined) {
    await ack({ response_type: 'ephemeral', text: CHECKING_REQUESTER_TEXT });
    verdict = await asked;
    reply = (message) => respond({ ...message, replace_original: false });
  }
  if (verdict.ok) return reply;
  logger.info('refused a request: the requester may not ask', {
    user: command.user_id,
    reason: verdict.reason,
  });
  await reply({ response_type: 'ephemeral', text: REQUESTER_REFUSAL_TEXT[verdict.reason] });
  return undefined;
}

export function agentCommand(deps: AgentCommandDeps) {
  return async (args: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const { command, ack, respond, client, logger } = args;
    const text = command.text.trim();
    if (text === '' || text.toLowerCase() === 'help') {
      await ack({ response_type: 'ephemeral', text: USAGE });
      return;
    }
    if (text.toLowerCase() === 'pending') {
      // The list takes a Slack call and several Temporal reads: it follows the acknowledgement.
      await ack();
      try {
        const pending = await pendingFor(deps, client, { id: command.user_id, name: command.user_name });
        await respond({ response_type: 'ephemeral', replace_original: false, ...pending });
      } catch (error) {
        logger.error('could not list pending approvals', { error: (error as Error).message });
        await respond({ response_type: 'ephemeral', text: TEMPORAL_UNREACHABLE_TEXT });
      }
      return;
    }
    const asker = { id: command.user_id, name: command.user_name };
    const cancelOf = CANCEL_COMMAND.exec(text)?.[1];
    if (cancelOf) {
      await answerInTime(withdrawRunFor(deps.temporal, cancelOf, asker), { ack, respond });
      return;
    }
    const statusOf = STATUS_COMMAND.exec(text)?.[1];
    if (statusOf) {
      await answerInTime(runStatusFor(deps.temporal, statusOf, asker), { ack, respond });
      return;
    }
    // Only someone who may ask starts a run; a refusal is the whole answer.
    const reply = await admit(deps, args);
    if (!reply) return;
    // Acknowledge first: Slack gives three seconds, and a busy Temporal must not eat them. The run id is known
    // before the start (it comes from the trigger_id), and any problem starting follows via the response_url.
    const runId = runIdFor(command.team_id, command.trigger_id);
    const acknowledgement = runAcknowledgementText(text, runId);
    await reply({
      response_type: 'ephemeral',
      text: acknowledgement,
      blocks: runAcknowledgement(acknowledgement, runId),
    });
    const started = await startAgentRun(deps, runId, {
      request: text,
      requester: { id: command.user_id, name: command.user_name },
      channel: command.channel_id,
      teamId: command.team_id,
    });
    if (started === 'duplicate') {
      logger.warn('slash command received twice; not starting it again', { runId });
      await respond({
        response_type: 'ephemeral',
        text: `This request was already received: run \`${runId}\`.`,
      });
    } else if (started !== 'started') {
      logger.error('could not start an agent run', { runId, error: started.error });
      await respond({
        response_type: 'ephemeral',
        text: `${TEMPORAL_UNREACHABLE_TEXT} (run \`${runId}\` was not started)`,
      });
    }
  };
}
