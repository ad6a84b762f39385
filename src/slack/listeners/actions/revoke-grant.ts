// "Revoke" on a standing approval in App Home: only its grantor or its requester may; anyone else learns nothing.
import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { QueryNotRegisteredError, WorkflowNotFoundError } from '@temporalio/client';
import { grantStatusQuery, revokeGrantSignal } from '../../../workflows/messages.js';
import { type HomeDeps, refreshHome } from '../../home.js';
import { TEMPORAL_UNREACHABLE_TEXT, withinSlackDeadline } from '../../temporal-deadline.js';
import { answerClick } from './answer-click.js';

const NO_SUCH_GRANT = ':no_entry_sign: There is no such standing approval (any more).';

export function revokeGrantButton(deps: HomeDeps) {
  return async ({
    ack,
    body,
    action,
    client,
    logger,
  }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const person = { id: body.user.id, name: body.user.name };
    const handle = deps.temporal.workflow.getHandle(action.value ?? '');
    let text: string;
    try {
      const grant = await withinSlackDeadline(deps.temporal, () => handle.query(grantStatusQuery));
      if (grant.grantor.id !== person.id && grant.requester.id !== person.id) {
        text = NO_SUCH_GRANT;
      } else if (grant.status !== 'active') {
        text = `:information_source: This standing approval has already ${grant.status === 'revoked' ? 'been revoked' : 'expired'}.`;
      } else {
        await withinSlackDeadline(deps.temporal, () => handle.signal(revokeGrantSignal, { by: person }));
        text = `:white_check_mark: Revoked: the next \`${grant.tool}\` call will wait for an approver again.`;
      }
    } catch (error) {
      // Not a grant workflow, or gone: the same answer, so that an id reveals nothing.
      if (error instanceof WorkflowNotFoundError || error instanceof QueryNotRegisteredError) {
        text = NO_SUCH_GRANT;
      } else {
        text = TEMPORAL_UNREACHABLE_TEXT;
        logger.warn('could not revoke a standing approval', { error: (error as Error).message });
      }
    }
    await answerClick(client, body, text);
    await refreshHome(deps, client, person, logger);
  };
}
