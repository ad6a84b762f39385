// `/agent <request>`: acknowledge within Slack's 3 seconds, start the agent run.
import { createHash } from 'node:crypto';
import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { type Client, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { agentWorkflow } from '../../../workflows/agent.js';
import { agentStatusQuery, withdrawRequestSignal } from '../../../workflows/messages.js';
import { TEMPORAL_UNREACHABLE_TEXT, withinSlackDeadline } from '../../approvals.js';
import { runStatusText } from '../../blocks/run-status.js';
import { escapeMrkdwn, mention, truncate } from '../../blocks/text.js';

export interface AgentCommandDeps {
  temporal: Client;
  taskQueue: string;
}

const USAGE = [
  '*Countersign* — ask the agent to do something in this workspace. Risky actions wait for an approver.',
  '• `/agent <request>` — e.g. `/agent archive #old-project`',
  '• `/agent status <run id>` — where a run stands',
  '• `/agent cancel <run id>` — withdraw your request while it waits for approval',
  '• `/agent help` — this message',
].join('\n');

const STATUS_COMMAND = /^status\s+(\S+)$/i;
const CANCEL_COMMAND = /^cancel\s+(\S+)$/i;
/** Starting a run happens after the acknowledgement, so it may take longer than a listener's Slack budget. */
const START_BUDGET_MS = 10_000;

/**
 * A run id short enough to type, derived from the command's trigger_id (unique per invocation): a replayed
 * request maps to the same run, which Temporal refuses to start twice.
 */
export function runIdFor(teamId: string, triggerId: string): string {
  return `run-${createHash('sha256').update(`${teamId}:${triggerId}`).digest('base64url').slice(0, 12)}`;
}

/** `/agent cancel <id>`: only the requester, only while an approval is pending; the workflow checks again. */
async function withdraw(
  temporal: Client,
  runId: string,
  user: { id: string; name: string },
): Promise<string> {
  try {
    const run = await withinSlackDeadline(temporal, () =>
      temporal.workflow.getHandle(runId).query(agentStatusQuery),
    );
    if (run.requester.id !== user.id)
      return `:no_entry_sign: Only ${mention(run.requester.id)} can withdraw this request.`;
    if (!run.pending_approval) {
      return `:information_source: Nothing to withdraw: run \`${escapeMrkdwn(runId)}\` is not waiting for an approval (${run.status.replace('_', ' ')}).`;
    }
    const approval = run.pending_approval;
    await withinSlackDeadline(temporal, () =>
      temporal.workflow.getHandle(approval.workflow_id).signal(withdrawRequestSignal, {
        request_id: approval.request_id,
        by: { id: user.id, name: user.name },
      }),
    );
    return `:no_entry_sign: Withdrawn: run \`${escapeMrkdwn(runId)}\` will not \`${escapeMrkdwn(approval.tool)}\`; its approval card is being updated.`;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError)
      return `:grey_question: No run with id \`${escapeMrkdwn(truncate(runId, 100))}\`.`;
    return TEMPORAL_UNREACHABLE_TEXT;
  }
}

async function describeRun(temporal: Client, runId: string): Promise<string> {
  try {
    return runStatusText(
      await withinSlackDeadline(temporal, () => temporal.workflow.getHandle(runId).query(agentStatusQuery)),
    );
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) {
      return `:grey_question: No run with id \`${escapeMrkdwn(truncate(runId, 100))}\`.`;
    }
    return TEMPORAL_UNREACHABLE_TEXT;
  }
}

export function agentCommand(deps: AgentCommandDeps) {
  return async ({
    command,
    ack,
    respond,
    logger,
  }: SlackCommandMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    const text = command.text.trim();
    if (text === '' || text.toLowerCase() === 'help') {
      await ack({ response_type: 'ephemeral', text: USAGE });
      return;
    }
    const cancelOf = CANCEL_COMMAND.exec(text)?.[1];
    if (cancelOf) {
      const user = { id: command.user_id, name: command.user_name };
      await ack({ response_type: 'ephemeral', text: await withdraw(deps.temporal, cancelOf, user) });
      return;
    }
    const statusOf = STATUS_COMMAND.exec(text)?.[1];
    if (statusOf) {
      await ack({ response_type: 'ephemeral', text: await describeRun(deps.temporal, statusOf) });
      return;
    }
    // Acknowledge first: Slack gives three seconds, and a busy Temporal must not eat them. The run id is known
    // before the start (it comes from the trigger_id), and any problem starting follows via the response_url.
    const runId = runIdFor(command.team_id, command.trigger_id);
    await ack({
      response_type: 'ephemeral',
      text: `:hourglass_flowing_sand: On it: “${escapeMrkdwn(truncate(text, 300))}”. Low-risk steps run at once; anything risky waits for an approver. Run \`${runId}\`.`,
    });
    try {
      await withinSlackDeadline(
        deps.temporal,
        () =>
          deps.temporal.workflow.start(agentWorkflow, {
            taskQueue: deps.taskQueue,
            workflowId: runId,
            // Never a second run for the same invocation, even after the first has finished.
            workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
            args: [
              {
                request: text,
                requester: { id: command.user_id, name: command.user_name },
                channel: command.channel_id,
                teamId: command.team_id,
              },
            ],
          }),
        START_BUDGET_MS,
      );
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) {
        logger.warn('slash command received twice; not starting it again', { runId });
        await respond({
          response_type: 'ephemeral',
          text: `This request was already received: run \`${runId}\`.`,
        });
        return;
      }
      logger.error('could not start an agent run', { runId, error: (error as Error).message });
      await respond({
        response_type: 'ephemeral',
        text: `${TEMPORAL_UNREACHABLE_TEXT} (run \`${runId}\` was not started)`,
      });
    }
  };
}
