import type { App } from '@slack/bolt';
import { CONNECT_AGENT_CALLBACK_ID } from '../../blocks/agent-tokens.js';
import { BATCH_MODAL_CALLBACK_ID, DECISION_MODAL_CALLBACK_ID } from '../../decision-form/index.js';
import { batchModalSubmission } from './batch-modal.js';
import { type ConnectAgentDeps, connectAgentSubmission } from './connect-agent.js';
import { type DecisionModalDeps, decisionModalSubmission } from './decision-modal.js';

export type { DecisionModalDeps };

export function registerViews(app: App, deps: DecisionModalDeps & ConnectAgentDeps): void {
  app.view(
    { type: 'view_submission', callback_id: DECISION_MODAL_CALLBACK_ID },
    decisionModalSubmission(deps),
  );
  app.view({ type: 'view_submission', callback_id: BATCH_MODAL_CALLBACK_ID }, batchModalSubmission(deps));
  app.view({ type: 'view_submission', callback_id: CONNECT_AGENT_CALLBACK_ID }, connectAgentSubmission(deps));
}
