// One zod schema per message shape; the types are inferred from them so validation and types never drift.
// This module is imported by workflows: it must stay deterministic (zod only, no I/O).
import { z } from 'zod';

export const RISKS = ['low', 'medium', 'high'] as const;
export const riskSchema = z.enum(RISKS);
export type Risk = z.infer<typeof riskSchema>;

export const personSchema = z.object({ id: z.string().min(1), name: z.string().optional() });
export type Person = z.infer<typeof personSchema>;

/** What may happen after an attempt of a tool whose outcome is unknown (see Repeat in src/tools/tool.ts). */
export const REPEAT_KINDS = ['safe', 'look_up_first', 'idempotency_key', 'once'] as const;
export type RepeatKind = (typeof REPEAT_KINDS)[number];

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
  /** Whether the tool may be attempted again after an attempt whose outcome is unknown. */
  repeat: z.enum(REPEAT_KINDS),
  /** `sha256:…` of the tool and its canonical arguments: a decision must carry it back (src/approval/digest.ts). */
  digest: z.string(),
  /** For a tool from an MCP server: the server, the tool's title and description, and its annotations in words. */
  origin: z
    .object({
      server: z.string(),
      tool: z.string(),
      title: z.string().optional(),
      description: z.string(),
      declares: z.array(z.string()),
    })
    .optional(),
  /**
   * Where its tool reaches beyond the workspace (OutsideReach in src/tools/tool.ts): whether its output is outside
   * content, and whether the call can send data out. Absent: neither.
   */
  outside: z.object({ reads: z.boolean(), sends: z.boolean() }).optional(),
});
export type Proposal = z.infer<typeof proposalSchema>;

/** What an Approve/Reject button carries, and what a click handler needs to find the approval. */
export const approvalRefSchema = z.object({ workflowId: z.string().min(1), requestId: z.string().min(1) });
export type ApprovalRef = z.infer<typeof approvalRefSchema>;

// The signals' payloads are in ./signals.ts: checked without zod, which the workflow sandbox should not load.

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

/** Approvers as configured: Slack user IDs and user-group IDs (groups are resolved to members when a stage opens). */
export interface ApproverIds {
  users: string[];
  userGroups: string[];
}

/** Longest stage name: it labels the stage on the card and in every thread message, so it must fit one line. */
export const STAGE_NAME_MAX = 50;

/** One step of an approval chain: who decides, how many must approve, and its timers. */
export interface StagePlan {
  /** Shown on the card and in the thread, e.g. "Team lead" or "Security". */
  name: string;
  /** Undefined: anyone in the workspace may decide. */
  approvers: ApproverIds | undefined;
  /** Approvals from distinct people needed to pass this stage; any rejection ends the request. */
  required: number;
  timeoutMs: number;
  /** Remind the approvers in the card's thread after this long without a decision. */
  remindAfterMs: number | undefined;
  /** After this long in the stage without passing it, widen it: more approvers, or a card in another channel. */
  escalateAfterMs: number | undefined;
  escalateTo: { approvers: ApproverIds | undefined; channel: string | undefined } | undefined;
}

export const TIMEOUT_MEANINGS = ['cancel', 'reject'] as const;
export type TimeoutMeaning = (typeof TIMEOUT_MEANINGS)[number];

/** How one risky call is approved: chosen by the policy for its tool or risk. */
export interface ApprovalPlan {
  /** Which rule of the policy chose this plan, for the audit: "default", "risk high", "tool archive_channel". */
  rule: string;
  stages: StagePlan[];
  /** Whether the requester may decide on their own request. */
  allowSelfApproval: boolean;
  /** Whether an approver may change the arguments before approving (policy `allow_edit`; absent: yes). */
  allowEdit?: boolean;
  /** Longest standing approval an approver may give with an approval (policy `standing_max`; absent: by risk). */
  standingMaxMs?: number;
  /**
   * For a rule that refines `default` without a `standing_max` of its own: the by-risk length never exceeds this (the
   * default's), but the default's is not handed on as is, so it never reaches a risk the rule is for and it was not.
   */
  standingCapMs?: number;
  /** `cancel` stops the run; `reject` tells the model the call was not approved, as a rejection would. */
  onTimeout: TimeoutMeaning;
  /** Where the card is posted; undefined: the channel the request was made in. */
  channel: string | undefined;
}

/** The approval rules in force: the environment's simple default, refined by an optional policy file. */
export interface ApprovalPolicy {
  /** Calls at or above this risk wait for a person. */
  threshold: Risk;
  default: ApprovalPlan;
  risks: Partial<Record<Risk, ApprovalPlan>>;
  tools: Record<string, ApprovalPlan>;
  /**
   * By MCP server: the rule for its tools that have none of their own. Optional, as is `toolRisks`: a run recorded
   * before they existed replays with a policy that has neither.
   */
  servers?: Record<string, ApprovalPlan>;
  /** A tool's own risk as the policy pins it, overriding what the tool (or its MCP server) declares. */
  toolRisks?: Record<string, Risk>;
}

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
    'stage_opened',
    'stage_passed',
    'reminder',
    'escalation',
    'edited',
    'grant_given',
    'grant_used',
    'grant_revoked',
    'grant_expired',
    'token_created',
    'token_revoked',
    'slack_refused',
    'card_not_posted',
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
  /** Where the card goes: the plan's channel, or the channel the request was made in. */
  channel: string;
  plan: ApprovalPlan;
  /** The run's policy, to find the rule for an edited call; absent in runs started before edits existed. */
  policy?: ApprovalPolicy;
  /** Tools whose outside content the run had read before this call was proposed, for the card to say so. */
  readOutside?: string[];
  /** What the approval needs of Slack before its card, read with the model's answer; absent: it asks itself. */
  prepared?: ApprovalPreparation;
  /** The code its run started on (src/workflows/patches.ts, CodeVersion.given); absent: it asks at its start. */
  code?: string;
}

/** What an approval needs of Slack before its card: the workspace, the names of the IDs, the first approvers. */
export interface ApprovalPreparation {
  teamId: string;
  labels: Record<string, string>;
  /** The first stage's approvers, with user groups resolved to their members. */
  eligibility: Eligibility;
}

/** With an approval: allow the same call again, by the same requester, for a while; `vary`: arguments that may differ. */
export interface StandingRequest {
  by: Person;
  for_ms: number;
  vary: string[];
}

/** A standing approval: the grant workflow's state, and what its query answers. */
export interface StandingGrant {
  grant_id: string;
  status: 'active' | 'revoked' | 'expired';
  requester: Person;
  tool: string;
  /** The arguments a call must have to match: every argument but the ones the grantor let vary. */
  fixed: Record<string, unknown>;
  vary: string[];
  grantor: Person;
  /**
   * The rule it was given under and the risk of the call approved: it covers only calls under the same rule at no
   * higher risk. Absent in grants given before they were recorded, which cover nothing.
   */
  rule?: string;
  risk?: Risk;
  given_at: string;
  expires_at: string;
  /** The approval it was given with. */
  request_id: string;
  run_id: string;
  uses: number;
  revoked_by?: Person;
  audit: AuditEvent[];
}

/**
 * A token an MCP client presents to the gateway (src/gateway/): the Slack user it acts for, and the client as its owner
 * named it. The token itself is never kept, only its SHA-256 (the workflow's id), so whoever reads Temporal cannot use it.
 */
export interface AgentToken {
  /** A short form of the hash: names the token in audits and gateway call ids without being the whole of it. */
  token_id: string;
  status: 'active' | 'revoked';
  owner: Person;
  /** As its owner typed it at connect, e.g. "Cursor on rita's laptop": shown (escaped) on every card it asks for. */
  client: string;
  created_at: string;
  revoked_by?: Person;
  audit: AuditEvent[];
}

/** A call from an MCP client through the gateway, as the gateway hands it to its workflow. */
export interface GatewayCall {
  /** Checked by the gateway against the tool, as a model's proposal is (checkProposal in src/activities/llm.ts). */
  proposal: Proposal;
  /** The token's owner: the call's requester. */
  requester: Person;
  client: { name: string; token_id: string };
  /** Where its card goes when its rule names no channel (APPROVALS_CHANNEL, which the gateway requires). */
  channel: string;
}

/** How a call through the gateway ended: what the client is given. */
export interface GatewayOutcome {
  /** `ran`: the tool ran (its own outcome in `result`); otherwise nothing ran, and why. */
  status: 'ran' | 'rejected' | 'timed_out' | 'cancelled';
  result?:
    | { ok: true; result: { summary: string; data?: Record<string, unknown> } }
    | { ok: false; error: string; unknown?: true };
  reviewer?: Person;
  notes?: string | null;
  /** The approvers' changes, in words, when what ran is not what the client asked. */
  edits?: string[];
  standing?: { grantor: Person; expires_at: string };
  reason?: string;
  /** Until when a client asking the same again is given this outcome rather than a new call; absent: never. */
  answer_until?: string;
}

/** An approver's change to the arguments before approving: both versions, for the card, the audit and the model. */
export interface ProposalEdit {
  by: Person;
  at: string;
  before: Record<string, unknown>;
  after: Record<string, unknown>;
  /** In words, e.g. `channel: "C0A" → "C0B"`. */
  changes: string;
  /**
   * The rule the edited call went to when it demands more than the one before (or both of them in turn, when neither
   * demands all the other does: src/approval/demands.ts); absent when the rule stayed.
   */
  rule?: string;
  /** The edited call's own rule, when the call stays under one that demands at least as much. */
  own_rule?: string;
}

export interface ApprovalDecisionRecord {
  approved: boolean;
  notes: string | null;
  decidedAt: string;
  /** Undefined for an operator decision made through Temporal. */
  reviewer: Person | undefined;
}

/** One stage of an approval as it stands: opened stages only; the last one is the current stage. */
export interface StageSummary {
  name: string;
  required: number;
  status: ApprovalStatusName;
  /** Who may decide in this stage, with user groups resolved when it opened (and widened by escalation). */
  eligibility: Eligibility;
  /** Accepted approvals, one per person. */
  approvals: ApprovalDecisionRecord[];
  opened_at: string;
  expires_at: string;
  escalated: boolean;
}

/**
 * One approval as it stands: what the workflow holds, what query `approval_status` answers (public API), and what
 * the card and the decision form are built from. snake_case, as the recipe's query is.
 */
export interface ApprovalStatus {
  request_id: string;
  /** The approval's own workflow: `<run id>/approval-<n>`. */
  workflow_id: string;
  status: ApprovalStatusName;
  proposal: Proposal;
  requester: Person;
  request: string;
  run_id: string;
  requested_at: string;
  expires_at: string;
  eligibility: Eligibility;
  allow_self_approval: boolean;
  /** Whether the form offers to change the arguments before approving. */
  allow_edit?: boolean;
  /** Changes approvers made to the arguments, in order; `proposal` is the call as it now stands. */
  edits?: ProposalEdit[];
  /** The longest standing approval an approver may give with theirs; absent or 0: none may be given. */
  standing_max_ms?: number;
  /** A standing approval asked for with an approval, given once the request is approved. */
  standing?: StandingRequest;
  /** The standing approval given with this request, once approved. */
  grant_id?: string;
  /** The first card: its thread holds the chain, reminders and the run's result. */
  card: SlackMessageRef | null;
  /** Every card of the request: the first, and any copies posted by escalation. */
  cards: SlackMessageRef[];
  /** The final decision: the veto, or the approval that passed the last stage. */
  decision?: ApprovalDecisionRecord;
  /** Every stage of the plan, by name, in order. */
  stage_names: string[];
  stages: StageSummary[];
  /** Names of the Slack IDs in the arguments (`C0123ABCD` → `#old-project`), for the form. */
  labels: Record<string, string>;
  /** Tools whose outside content the run had read before this call was proposed: the card and form say so. */
  read_outside?: string[];
  /** The workspace Countersign is installed in, once known: decisions from another team are refused. */
  team_id?: string;
  /** Who withdrew the request: the requester, or an operator through Temporal. */
  withdrawn_by?: Person | 'operator';
  /** For a timeout: the stage nobody completed, and how long it waited. */
  timed_out?: { stage: string; after_ms: number };
  /** Why the request ended without a decision when Slack made it impossible to ask. */
  failure?: string;
  audit: AuditEvent[];
}

/** What an approval says in its card's thread while it waits: the next stage opening, reminders, escalation. */
export type ApprovalNote =
  | {
      kind: 'stage_opened';
      /** The stage just passed, and the one now open (1-based numbers). */
      passed: StageSummary;
      stage: StageSummary;
      stageNumber: number;
      stageCount: number;
    }
  | { kind: 'reminder'; stage: StageSummary; quietMs: number; counted: string[] }
  /** An approver changed the call: its approval started over at `stage`, the first of `stageCount`. */
  | { kind: 'edited'; edit: ProposalEdit; stage: StageSummary; stageCount: number }
  | {
      kind: 'escalation';
      stage: StageSummary;
      afterMs: number;
      /** Approvers added by the escalation, if any. */
      added: Eligibility | undefined;
      /** Where a copy of the card was posted, if anywhere. */
      channel: string | undefined;
    };

export interface ApprovalOutcome {
  requestId: string;
  /** Set when the requester (or an operator, with no `by`) withdrew the request. */
  withdrawnBy?: Person | 'operator';
  status: Exclude<ApprovalStatusName, 'pending'>;
  decision?: ApprovalDecisionRecord;
  /** Everyone whose approval counted, across all stages. */
  approvals: ApprovalDecisionRecord[];
  /** For a timeout: the stage nobody completed, and how long it waited. */
  timedOut?: { stage: string; afterMs: number };
  /** Why the request ended without a decision when Slack or Temporal made it impossible to ask (status `cancelled`). */
  failure?: string;
  card: SlackMessageRef | null;
  audit: AuditEvent[];
  /** When approvers changed the arguments: the call as approved (what must run), and the changes. */
  proposal?: Proposal;
  edits?: ProposalEdit[];
}
