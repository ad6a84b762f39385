import type { AuditEvent, Person, Risk, SlackMessageRef } from '../approval/schemas.js';

export interface AgentInput {
  request: string;
  requester: Person;
  /** Where the request was made; approval cards go here unless APPROVALS_CHANNEL is set. */
  channel: string;
  teamId?: string;
}

/** The approval rules in force for a run, read once when it starts and recorded in its history. */
export interface RunPolicy {
  threshold: Risk;
  timeoutMs: number;
  allowSelfApproval: boolean;
  approvalsChannel: string | undefined;
}

export type RunStatusName = 'running' | 'waiting_for_approval' | 'completed' | 'cancelled' | 'failed';

export interface ActionRecord {
  tool: string;
  ok: boolean;
  summary: string;
}

/** A person's (or an operator's) decision on one of the run's proposals. */
export interface ApprovalRecord {
  tool: string;
  status: 'approved' | 'rejected' | 'timed_out' | 'cancelled';
  reviewer?: Person;
  notes: string | null;
}

export interface RunOutcome {
  status: Exclude<RunStatusName, 'running' | 'waiting_for_approval'>;
  requester: Person;
  /** The model's final answer, when it gave one. */
  answer?: string;
  /** Why the run stopped, when it did not complete. */
  reason?: string;
  actions: ActionRecord[];
  approvals: ApprovalRecord[];
}

export interface AgentStatus {
  run_id: string;
  status: RunStatusName;
  request: string;
  requester: Person;
  started_at: string;
  steps: number;
  pending_approval: { request_id: string; workflow_id: string; tool: string } | null;
  thread: SlackMessageRef | null;
  outcome: RunOutcome | null;
  audit: AuditEvent[];
}
