import type { App, BlockButtonAction } from '@slack/bolt';
import { AGENT_TOKEN_REVOKE_ACTION_ID, CONNECT_AGENT_ACTION_ID } from '../../blocks/agent-tokens.js';
import { APPROVE_ACTION_ID, REJECT_ACTION_ID } from '../../blocks/approval-card.js';
import {
  BATCH_APPROVE_ACTION_ID,
  BATCH_REJECT_ACTION_ID,
  BATCH_REVIEW_ACTION_ID,
} from '../../blocks/batch-card.js';
import { STANDING_REVOKE_ACTION_ID } from '../../blocks/home.js';
import { WITHDRAW_ACTION_ID } from '../../blocks/run-status.js';
import type { HomeDeps } from '../../home.js';
import { connectAgentButton, revokeAgentTokenButton } from './agent-tokens.js';
import { batchButton } from './batch-button.js';
import { type DecisionButtonDeps, decisionButton } from './decision-button.js';
import { revokeGrantButton } from './revoke-grant.js';
import { withdrawButton } from './withdraw-button.js';

export type { DecisionButtonDeps };

export function registerActions(app: App, deps: DecisionButtonDeps & HomeDeps): void {
  app.action<BlockButtonAction>(APPROVE_ACTION_ID, decisionButton(deps));
  app.action<BlockButtonAction>(REJECT_ACTION_ID, decisionButton(deps));
  app.action<BlockButtonAction>(WITHDRAW_ACTION_ID, withdrawButton(deps));
  app.action<BlockButtonAction>(STANDING_REVOKE_ACTION_ID, revokeGrantButton(deps));
  app.action<BlockButtonAction>(CONNECT_AGENT_ACTION_ID, connectAgentButton());
  app.action<BlockButtonAction>(AGENT_TOKEN_REVOKE_ACTION_ID, revokeAgentTokenButton(deps));
  for (const id of [BATCH_APPROVE_ACTION_ID, BATCH_REJECT_ACTION_ID, BATCH_REVIEW_ACTION_ID])
    app.action<BlockButtonAction>(id, batchButton(deps));
}
