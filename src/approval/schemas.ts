// One zod schema per message shape; the types are inferred from them so validation and types never drift.
// This module is imported by workflows: it must stay deterministic (zod only, no I/O).
import { z } from 'zod';

export const RISKS = ['low', 'medium', 'high'] as const;
export const riskSchema = z.enum(RISKS);
export type Risk = z.infer<typeof riskSchema>;

export const personSchema = z.object({ id: z.string().min(1), name: z.string().optional() });
export type Person = z.infer<typeof personSchema>;

/** A tool call the model proposed, its arguments already validated against the tool's schema. */
export const proposalSchema = z.object({
  callId: z.string(),
  tool: z.string(),
  arguments: z.record(z.string(), z.unknown()),
  reasoning: z.string(),
  /** The model's own assessment (the public recipe's `risky_action`). */
  modelRisk: riskSchema,
  toolRisk: riskSchema,
  /** The higher of the two. */
  risk: riskSchema,
});
export type Proposal = z.infer<typeof proposalSchema>;

/** Longest reviewer note accepted: Slack's limit for a plain_text_input, so the modal and the signal agree. */
export const REVIEWER_NOTES_MAX = 3000;

/** What an Approve/Reject button carries, and what a click handler needs to find the approval. */
export const approvalRefSchema = z.object({ workflowId: z.string().min(1), requestId: z.string().min(1) });
export type ApprovalRef = z.infer<typeof approvalRefSchema>;

/**
 * Signal `approval_decision` — public API, snake_case, compatible with the public recipe's CLI command:
 * `temporal workflow signal --name approval_decision --input '{"request_id": …, "approved": true}'`.
 */
export const approvalDecisionSchema = z.strictObject({
  request_id: z.string().min(1),
  approved: z.boolean(),
  reviewer_notes: z.string().max(REVIEWER_NOTES_MAX).nullish(),
  decided_at: z.iso.datetime({ offset: true }).optional(),
  // Strict: a payload carrying fields nobody defined is not a decision we understand, so it decides nothing.
  reviewer: z.strictObject({ id: z.string().min(1), name: z.string().optional() }).optional(),
});
export type ApprovalDecision = z.infer<typeof approvalDecisionSchema>;

export const withdrawalSchema = z.strictObject({
  request_id: z.string().min(1),
  by: z.strictObject({ id: z.string().min(1), name: z.string().optional() }).optional(),
});

export const APPROVAL_STATUSES = ['pending', 'approved', 'rejected', 'timed_out', 'cancelled'] as const;
export type ApprovalStatusName = (typeof APPROVAL_STATUSES)[number];

/** Who may decide, resolved when the approval is created and recorded with it. */
export const eligibilitySchema = z.discriminatedUnion('kind', [
  /** No APPROVERS configured: anyone in the workspace (the requester only if self-approval is allowed). */
  z.object({ kind: z.literal('anyone') }),
  z.object({
    kind: z.literal('listed'),
    users: z.array(z.string()),
    /** The configured user groups, for display; their members are already in `users`. */
    userGroups: z.array(z.string()),
  }),
]);
export type Eligibility = z.infer<typeof eligibilitySchema>;

export const auditEventSchema = z.object({
  at: z.string(),
  type: z.enum([
    'request',
    'proposal',
    'invalid_proposal',
    'verdict',
    'approval_requested',
    'card_posted',
    'decision',
    'decision_ignored',
    'approval_outcome',
    'timed_out',
    'cancelled',
    'execution',
    'result',
    'final',
    'failed',
  ]),
  /** `model`, `policy`, `system`, `operator` (a decision signalled through Temporal itself), or a Slack user. */
  actor: z.union([z.enum(['model', 'policy', 'system', 'operator']), personSchema]),
  runId: z.string(),
  requestId: z.string().optional(),
  details: z.record(z.string(), z.unknown()),
});
export type AuditEvent = z.infer<typeof auditEventSchema>;

export const slackMessageRefSchema = z.object({ channel: z.string(), ts: z.string() });
export type SlackMessageRef = z.infer<typeof slackMessageRefSchema>;

/** What the agent workflow hands to each approval child. */
export interface ApprovalInput {
  requestId: string;
  runId: string;
  request: string;
  requester: Person;
  proposal: Proposal;
  channel: string;
  eligibility: Eligibility;
  allowSelfApproval: boolean;
  timeoutMs: number;
}

export interface ApprovalDecisionRecord {
  approved: boolean;
  notes: string | null;
  decidedAt: string;
  /** Undefined for an operator decision made through Temporal. */
  reviewer: Person | undefined;
}

/** Query `approval_status` — public API. */
export interface ApprovalStatus {
  request_id: string;
  status: ApprovalStatusName;
  proposal: Proposal;
  requester: Person;
  request: string;
  run_id: string;
  requested_at: string;
  expires_at: string;
  eligibility: Eligibility;
  allow_self_approval: boolean;
  card: SlackMessageRef | null;
  decision?: ApprovalDecisionRecord;
  audit: AuditEvent[];
}

export interface ApprovalOutcome {
  requestId: string;
  /** Set when the requester (or an operator, with no `by`) withdrew the request. */
  withdrawnBy?: Person | 'operator';
  status: Exclude<ApprovalStatusName, 'pending'>;
  decision?: ApprovalDecisionRecord;
  card: SlackMessageRef | null;
  audit: AuditEvent[];
}
