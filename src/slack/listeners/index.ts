// Every listener, registered by kind.
import type { App } from '@slack/bolt';
import type { Client } from '@temporalio/client';
import type { ApproverIds } from '../../approval/schemas.js';
import type { Logger } from '../../logger.js';
import { UnrecognizedRequestError } from '../app.js';
import {
  AGENT_TOKEN_REVOKE_ACTION_ID,
  CONNECT_AGENT_ACTION_ID,
  CONNECT_AGENT_CALLBACK_ID,
} from '../blocks/agent-tokens.js';
import { APPROVE_ACTION_ID, REJECT_ACTION_ID } from '../blocks/approval-card.js';
import {
  BATCH_APPROVE_ACTION_ID,
  BATCH_REJECT_ACTION_ID,
  BATCH_REVIEW_ACTION_ID,
} from '../blocks/batch-card.js';
import { STANDING_REVOKE_ACTION_ID } from '../blocks/home.js';
import { WITHDRAW_ACTION_ID } from '../blocks/run-status.js';
import { BATCH_MODAL_CALLBACK_ID, createSealer, DECISION_MODAL_CALLBACK_ID } from '../decision-form/index.js';
import { createMembershipCheck } from '../membership.js';
import { createRequesterCheck } from '../requester-access.js';
import { registerActions } from './actions/index.js';
import { registerCommands } from './commands/index.js';
import { registerEvents } from './events/index.js';
import { registerViews } from './views/index.js';

export interface ListenerDeps {
  temporal: Client;
  taskQueue: string;
  /** Seals modal metadata; any secret only this app knows (the bot token will do). */
  sealingSecret: string;
  /**
   * Ask Temporal to hand a run's first workflow task straight back to this process's worker (eager workflow start):
   * only when `temporal` is built on that worker's own connection.
   */
  eagerStart?: boolean;
  /** Our JSON logger, for the audit lines of decisions the workflows refuse without recording them. */
  audit?: Logger;
  /** REQUESTERS: who may ask, among the workspace's full members; undefined: every full member. */
  requesters?: ApproverIds | undefined;
}

/** The Events API events our listeners handle (manifest.json subscribes to these). */
export const HANDLED_EVENTS = ['app_home_opened', 'app_mention', 'message', 'agent_session_stopped'];

/** What our listeners handle; anything else is refused up front rather than left unanswered. */
function recognized(body: Record<string, unknown>): boolean {
  if (typeof body.command === 'string') return body.command === '/agent';
  if (body.type === 'block_actions') {
    const actions = (body.actions ?? []) as Array<{ action_id?: string }>;
    return actions.some((a) =>
      [
        APPROVE_ACTION_ID,
        REJECT_ACTION_ID,
        WITHDRAW_ACTION_ID,
        STANDING_REVOKE_ACTION_ID,
        CONNECT_AGENT_ACTION_ID,
        AGENT_TOKEN_REVOKE_ACTION_ID,
        BATCH_APPROVE_ACTION_ID,
        BATCH_REJECT_ACTION_ID,
        BATCH_REVIEW_ACTION_ID,
      ].includes(a.action_id ?? ''),
    );
  }
  if (body.type === 'event_callback') {
    return HANDLED_EVENTS.includes((body.event as { type?: string } | undefined)?.type ?? '');
  }
  if (body.type === 'view_submission') {
    const callback = (body.view as { callback_id?: string } | undefined)?.callback_id;
    return (
      callback === DECISION_MODAL_CALLBACK_ID ||
      callback === BATCH_MODAL_CALLBACK_ID ||
      callback === CONNECT_AGENT_CALLBACK_ID
    );
  }
  return false;
}

export function registerListeners(app: App, deps: ListenerDeps): void {
  const sealer = createSealer(deps.sealingSecret);
  app.use(async ({ body, next }) => {
    if (!recognized(body as Record<string, unknown>)) {
      throw new UnrecognizedRequestError('Countersign does not handle this request');
    }
    await next();
  });
  const membership = createMembershipCheck();
  const home = { temporal: deps.temporal, membership, homeViewers: new Map<string, number>() };
  const requester = createRequesterCheck(membership, deps.requesters);
  const asking = { ...deps, membership, requester };
  registerCommands(app, asking);
  registerActions(app, { ...home, sealer });
  registerViews(app, { ...home, sealer, audit: deps.audit, taskQueue: deps.taskQueue, requester });
  registerEvents(app, { ...home, ...asking });
}
