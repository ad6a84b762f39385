// "Connect an agent" submitted: the person must still be one who may ask the agent; then a token is made, its hash
// kept in its own workflow (src/workflows/agent-token.ts), and the token shown in the form this once.
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { Client } from '@temporalio/client';
import { issueToken } from '../../../gateway/tokens.js';
import { agentTokenWorkflow } from '../../../workflows/agent-token.js';
import { CLIENT_ACTION_ID, CLIENT_BLOCK_ID, tokenShownModal } from '../../blocks/agent-tokens.js';
import { withoutLeadingEmoji } from '../../blocks/text.js';
import { type HomeDeps, refreshHome } from '../../home.js';
import { REQUESTER_REFUSAL_TEXT, type RequesterCheck } from '../../requester-access.js';
import { TEMPORAL_UNREACHABLE_TEXT, withinSlackDeadline } from '../../temporal-deadline.js';

export interface ConnectAgentDeps extends HomeDeps {
  temporal: Client;
  taskQueue: string;
  requester: RequesterCheck;
}

export function connectAgentSubmission(deps: ConnectAgentDeps) {
  return async ({
    ack,
    body,
    view,
    client,
    logger,
  }: SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs): Promise<void> => {
    const name = view.state.values[CLIENT_BLOCK_ID]?.[CLIENT_ACTION_ID]?.value?.trim() ?? '';
    const fieldError = (text: string) =>
      ack({ response_action: 'errors', errors: { [CLIENT_BLOCK_ID]: withoutLeadingEmoji(text) } });
    if (!name) return fieldError('Name what will use the token.');
    const owner = { id: body.user.id, name: body.user.name };
    const verdict = await deps.requester(client, owner.id);
    if (!verdict.ok) return fieldError(REQUESTER_REFUSAL_TEXT[verdict.reason]);
    const issued = issueToken();
    try {
      await withinSlackDeadline(deps.temporal, () =>
        deps.temporal.workflow.start(agentTokenWorkflow, {
          taskQueue: deps.taskQueue,
          workflowId: issued.workflowId,
          args: [{ token_id: issued.tokenId, owner, client: name, created_at: new Date().toISOString() }],
        }),
      );
    } catch (error) {
      logger.warn('could not create an agent token', { error: (error as Error).message });
      return fieldError(TEMPORAL_UNREACHABLE_TEXT);
    }
    await ack({ response_action: 'update', view: tokenShownModal(issued.token, name) });
    await refreshHome(deps, client, owner, logger);
  };
}
