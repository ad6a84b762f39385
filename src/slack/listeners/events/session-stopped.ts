// Slack's own stop button on an agent session (`agent_session_stopped`): the run of that thread stops before its next
// step, and whatever it waits for is withdrawn as `/agent cancel` withdraws it (cards updated, thread told, audited).
// Only its requester may stop it.
import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { Client } from '@temporalio/client';
import { stopRunSignal } from '../../../workflows/messages.js';
import { stoppedText } from '../../blocks/run-status.js';
import { mention } from '../../blocks/text.js';
import { threadRuns } from '../../conversations.js';
import { withdrawRun } from '../../run-access.js';
import { TEMPORAL_UNREACHABLE_TEXT } from '../../temporal-deadline.js';

/** Someone other than the requester pressed stop: it changes nothing. */
export function notYourRunToStopText(requesterId: string): string {
  return `:lock: Only ${mention(requesterId)}, who asked, can stop this run.`;
}

export function sessionStopped(deps: { temporal: Client }) {
  return async ({
    event,
    body,
    context,
    client,
    logger,
  }: SlackEventMiddlewareArgs<'agent_session_stopped'> & AllMiddlewareArgs): Promise<void> => {
    const session = {
      teamId: context.teamId ?? body.team_id,
      channel: event.channel,
      threadTs: event.thread_ts,
    };
    let running: string | undefined;
    let requesterId: string | undefined;
    try {
      const run = (await threadRuns(deps.temporal, session)).findLast((r) => r.running);
      running = run?.runId;
      requesterId = run?.requesterId;
    } catch (error) {
      logger.error('could not find the run of a stopped session', { error: (error as Error).message });
      return;
    }
    if (!running) {
      logger.info('stop pressed on a session with no run in progress', { user: event.user });
      return;
    }
    const tell = (text: string) =>
      client.chat
        .postEphemeral({ channel: event.channel, user: event.user, thread_ts: event.thread_ts, text })
        .catch((error: Error) =>
          logger.error('could not answer a stop', { user: event.user, error: error.message }),
        );
    if (requesterId !== event.user) {
      logger.warn('stop pressed by someone other than the requester; nothing changed', {
        user: event.user,
        runId: running,
      });
      if (requesterId) await tell(notYourRunToStopText(requesterId));
      return;
    }
    // The run stops before its next step (the workflow checks again that the stop is its requester's)...
    try {
      await deps.temporal.workflow.getHandle(running).signal(stopRunSignal, { by: { id: event.user } });
    } catch (error) {
      logger.error('could not stop a run', { runId: running, error: (error as Error).message });
      await tell(TEMPORAL_UNREACHABLE_TEXT);
      return;
    }
    // ...and what it waits for is withdrawn, by the same path as `/agent cancel`, which checks the requester again.
    const withdrawal = await withdrawRun(deps.temporal, running, { id: event.user });
    await tell(withdrawal.nothingWaited ? stoppedText(running) : withdrawal.text);
  };
}
