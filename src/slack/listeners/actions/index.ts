import type { App, BlockButtonAction } from '@slack/bolt';
import { APPROVE_ACTION_ID, REJECT_ACTION_ID } from '../../blocks/approval-card.js';
import { STANDING_REVOKE_ACTION_ID } from '../../blocks/home.js';
import { WITHDRAW_ACTION_ID } from '../../blocks/run-status.js';
import { type DecisionButtonDeps, decisionButton } from './decision-button.js';
import { revokeGrantButton } from './revoke-grant.js';
import { withdrawButton } from './withdraw-button.js';

export type { DecisionButtonDeps };

export function registerActions(app: App, deps: DecisionButtonDeps): void {
  app.action<BlockButtonAction>(APPROVE_ACTION_ID, decisionButton(deps));
  app.action<BlockButtonAction>(REJECT_ACTION_ID, decisionButton(deps));
  app.action<BlockButtonAction>(WITHDRAW_ACTION_ID, withdrawButton(deps));
  app.action<BlockButtonAction>(STANDING_REVOKE_ACTION_ID, revokeGrantButton(deps));
}
