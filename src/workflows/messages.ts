// Temporal messages, declared once; the client side imports these same objects.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { ApprovalStatus } from '../approval/schemas.js';
import type { AgentStatus } from './agent-types.js';

/** Public API (the recipe's CLI command works unchanged). The payload is validated inside the workflow. */
export const approvalDecisionSignal = defineSignal<[unknown]>('approval_decision');

/** The requester withdraws a pending request: `{ "request_id": …, "by"?: { "id": … } }`. */
export const withdrawRequestSignal = defineSignal<[unknown]>('withdraw_request');

/** Public API. */
export const approvalStatusQuery = defineQuery<ApprovalStatus>('approval_status');

/** The agent run: where it stands and its whole audit trail. */
export const agentStatusQuery = defineQuery<AgentStatus>('agent_status');
