// App Home's "Connect an agent" (opens the form that names the client) and "Revoke" on a connected client: a person
// revokes only their own tokens, found among their own; anyone else's id finds nothing.
import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { revokeAgentTokenSignal } from '../../../workflows/messages.js';
import { CLIENT_NAME_MAX, connectAgentModal } from '../../blocks/agent-tokens.js';
import { safeText } from '../../blocks/text.js';
import { type HomeDeps, refreshHome } from '../../home.js';
import { listAgentTokens } from '../../inbox.js';
import {
  TEMPORAL_CALL_BUDGET_MS,
  TEMPORAL_UNREACHABLE_TEXT,
  withinSlackDeadline,
} from '../../temporal-deadline.js';
import { answerClick } from './answer-click.js';

const NO_SUCH_TOKEN = ':no_entry_sign: You have no such connected agent (any more).';

export function connectAgentButton() {
  return async ({
    ack,
    body,
    client,
  }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    await client.views.open({ trigger_id: body.trigger_id, view: connectAgentModal() });
  };
}

export function revokeAgentTokenButton(deps: HomeDeps) {
  return async ({
    ack,
    body,
    action,
    client,
    logger,
  }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const person = { id: body.user.id, name: body.user.name };
    let text: string;
    try {
      const token = (await listAgentTokens(deps.temporal, person, TEMPORAL_CALL_BUDGET_MS)).find(
        (t) => t.token_id === action.value,
      );
      if (!token) {
        text = NO_SUCH_TOKEN;
      } else {
        await withinSlackDeadline(deps.temporal, () =>
          deps.temporal.workflow.getHandle(token.workflow_id).signal(revokeAgentTokenSignal, { by: person }),
        );
        text = `:white_check_mark: Revoked: *${safeText(token.client, CLIENT_NAME_MAX)}* can no longer use Countersign’s tools.`;
      }
    } catch (error) {
      text = TEMPORAL_UNREACHABLE_TEXT;
      logger.warn('could not revoke an agent token', { error: (error as Error).message });
    }
    await answerClick(client, body, text);
    await refreshHome(deps, client, person, logger);
  };
}
