// An agent run as the workflow, the Slack app and the Block Kit builders all see it: its input, where it stands, and
// how it ended.
import type {
  ApprovalOutcome,
  ApprovalRef,
  ApprovalStatusName,
  AuditEvent,
  Person,
  Risk,
  SlackMessageRef,
  TimeoutMeaning,
} from './schemas.js';

export interface AgentInput {
  request: string;
  requester: Person;
  /** Where the request was made; approval cards go here unless APPROVALS_CHANNEL is set. */
  channel: string;
  teamId?: string;
  /** The thread the run lives in when it was asked for in a conversation (a mention, the Messages tab): an agent session. */
  session?: { channel: string; threadTs: string; teamId: string; via: 'mention' | 'messages_tab' };
  /** Earlier turns of this conversation in the thread, oldest first: what the requester asked and what the agent answered. */
  earlier?: Array<{ role: 'user' | 'agent'; text: string }>;
}

/** Calls of one model turn asked together at most; a turn with more asks them one at a time. */
export const BATCH_MAX = 10;

/** The calls of one model turn asked together, as their shared card shows them. */
export interface BatchView {
  runId: string;
  requesterId: string;
  request: string;
  calls: Array<
    ApprovalRef & {
      tool: string;
      risk: Risk;
      arguments: Record<string, unknown>;
      /** Once decided. */
      status?: ApprovalStatusName;
    }
  >;
}

export type RunStatusName = 'running' | 'waiting_for_approval' | 'completed' | 'cancelled' | 'failed';

export interface ActionRecord {
  tool: string;
  ok: boolean;
  summary: string;
  /** The call went out but its outcome is unknown: it may have run. */
  unknown?: boolean;
  /**
   * It ran without a card, under a standing approval: who gave it, under which rule (absent in runs from before), and
   * until when it counts.
   */
  standing?: { grantor: Person; rule?: string; expires_at: string };
}

/** A person's (or an operator's) decision on one of the run's proposals. */
export interface ApprovalRecord {
  tool: string;
  status: 'approved' | 'rejected' | 'timed_out' | 'cancelled';
  /** Who decided last: the veto, or the approval that completed it. */
  reviewer?: Person;
  /** Everyone whose approval counted, across stages. */
  approvedBy: (Person | 'operator')[];
  notes: string | null;
  /** For a timed-out approval: whether the policy made it a rejection or a stop. */
  timeoutMeant?: TimeoutMeaning;
}

/** How an approval ended (its workflow's outcome), as the run that asked for it keeps it. */
export function approvalRecord(
  tool: string,
  approval: ApprovalOutcome,
  onTimeout: TimeoutMeaning,
): ApprovalRecord {
  return {
    tool,
    status: approval.status,
    ...(approval.decision?.reviewer ? { reviewer: approval.decision.reviewer } : {}),
    approvedBy: approval.approvals.map((a) => a.reviewer ?? 'operator'),
    notes: approval.decision?.notes ?? null,
    ...(approval.status === 'timed_out' ? { timeoutMeant: onTimeout } : {}),
  };
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
  /** The first approval waiting (the only one, unless a model turn's calls are asked together). */
  pending_approval: { request_id: string; workflow_id: string; tool: string } | null;
  /** Every approval waiting; absent in runs from before calls could be asked together. */
  pending_approvals?: { request_id: string; workflow_id: string; tool: string }[];
  thread: SlackMessageRef | null;
  outcome: RunOutcome | null;
  audit: AuditEvent[];
}
