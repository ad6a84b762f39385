// Temporal messages, declared once; the Slack app and the tests import these same objects. Payloads are typed for
// callers and still checked inside the workflow: a signal can come from anyone who can reach Temporal.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { AgentStatus } from '../approval/run.js';
import type { AgentToken, ApprovalStatus, Person, StandingGrant } from '../approval/schemas.js';
import type { ApprovalDecision, Withdrawal } from '../approval/signals.js';
import type { DecisionAnswer } from '../approval/state.js';

/** Public API (the recipe's CLI command works unchanged): an operator's decision, fire and forget. */
export const approvalDecisionSignal = defineSignal<[ApprovalDecision]>('approval_decision');

/** A reviewer's decision from Slack, bound to what they were shown; the answer says whether it counted, and why not. */
export type SubmittedDecision = ApprovalDecision &
  Required<Pick<ApprovalDecision, 'reviewer' | 'proposal_digest' | 'team_id' | 'stage'>>;
export const submitDecisionUpdate = defineUpdate<DecisionAnswer, [SubmittedDecision]>('submit_decision');

/** The requester withdraws a pending request: `{ "request_id": …, "by"?: { "id": … } }`. */
export const withdrawRequestSignal = defineSignal<[Withdrawal]>('withdraw_request');

/**
 * Public API. An approval in its run's workflow (the current code) is asked by its request id; with none, the run
 * answers with its first approval still pending, else its latest. An approval's own workflow ignores the id.
 */
export const approvalStatusQuery = defineQuery<ApprovalStatus, [requestId?: string]>('approval_status');

/** A run's approvals that live in its workflow, oldest first: what the inbox and the audit export read of a run. */
export const runApprovalsQuery = defineQuery<ApprovalStatus[]>('approvals');

/** The agent run: where it stands and its whole audit trail. */
export const agentStatusQuery = defineQuery<AgentStatus>('agent_status');

/** A standing approval as it stands. */
export const grantStatusQuery = defineQuery<StandingGrant>('grant_status');

/** The grantor or the requester (or an operator, with no `by`) revokes a standing approval. */
export const revokeGrantSignal = defineSignal<[{ by?: Person }]>('revoke_grant');

/** A run used the standing approval: audited with the grant. */
export const grantUsedSignal = defineSignal<[{ run_id: string; digest: string }]>('grant_used');

/** Slack's stop button on a run's agent session, from its requester: the run stops before its next step. */
export const stopRunSignal = defineSignal<[{ by: Person }]>('stop_run');

/** An MCP client's token as it stands: the gateway asks it at every request. */
export const agentTokenStatusQuery = defineQuery<AgentToken>('agent_token_status');

/** The token's owner (or an operator, with no `by`) revokes it: the gateway refuses it from then on. */
export const revokeAgentTokenSignal = defineSignal<[{ by?: Person }]>('revoke_agent_token');
