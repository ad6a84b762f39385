// What needs approval and who may decide: pure functions, used by the workflows and by the Slack app.
import type {
  ApprovalPlan,
  ApprovalPolicy,
  Eligibility,
  Person,
  Proposal,
  Risk,
  StageSummary,
} from './schemas.js';
import type { ApprovalDecision } from './signals.js';

const RISK_RANK: Record<Risk, number> = { low: 0, medium: 1, high: 2 };

/** The final risk of a tool call: the higher of the tool's own and the model's assessment. */
export function finalRisk(toolRisk: Risk, modelRisk: Risk): Risk {
  return RISK_RANK[modelRisk] > RISK_RANK[toolRisk] ? modelRisk : toolRisk;
}

/** Calls at or above the threshold wait for a person; below it they run at once. */
export function needsApproval(risk: Risk, threshold: Risk): boolean {
  return RISK_RANK[risk] >= RISK_RANK[threshold];
}

export type DecisionRefusal =
  | 'malformed'
  | 'wrong_request'
  | 'already_decided'
  | 'too_late'
  | 'not_eligible'
  | 'self_approval'
  | 'already_counted'
  | 'not_requester'
  | 'digest_mismatch'
  | 'wrong_team'
  | 'stale_stage';

export const REFUSAL_TEXT: Record<DecisionRefusal, string> = {
  malformed: 'the decision payload is not a valid approval_decision',
  wrong_request: 'the decision is for another request',
  already_decided: 'the request was already decided',
  too_late: 'the request had already expired',
  not_eligible: 'the reviewer is not an approver for this request',
  self_approval: 'the requester may not decide their own request',
  already_counted: 'the reviewer already approved this request, and each person counts once',
  not_requester: 'only the requester may withdraw a request',
  digest_mismatch: 'the decision is for a proposal other than the one waiting (its digest differs)',
  wrong_team: 'the reviewer is not a member of the workspace Countersign is installed in',
  stale_stage: 'the decision was made on an earlier stage of the request',
};

/** May this person decide? Operators (no reviewer, a decision signalled through Temporal) always may. */
export function mayDecide(
  reviewer: Person | undefined,
  rules: { requester: Person; eligibility: Eligibility; allowSelfApproval: boolean },
): { ok: true } | { ok: false; reason: 'not_eligible' | 'self_approval' } {
  if (reviewer === undefined) return { ok: true };
  if (reviewer.id === rules.requester.id && !rules.allowSelfApproval)
    return { ok: false, reason: 'self_approval' };
  if (rules.eligibility.kind === 'listed' && !rules.eligibility.users.includes(reviewer.id)) {
    return { ok: false, reason: 'not_eligible' };
  }
  return { ok: true };
}

/** Checks one decision against the approval's state; only an `ok` decision changes anything. */
export function checkDecision(
  decision: ApprovalDecision,
  state: {
    requestId: string;
    pending: boolean;
    nowMs: number;
    expiresAtMs: number;
    requester: Person;
    eligibility: Eligibility;
    allowSelfApproval: boolean;
    /** Who has already approved this request, in any stage. */
    counted?: readonly string[];
    /** The digest of the proposal waiting. */
    digest?: string;
    /** The workspace Countersign is installed in, when known. */
    teamId?: string | undefined;
    /** The current stage, 1-based. */
    stage?: number;
  },
): { ok: true } | { ok: false; reason: DecisionRefusal } {
  if (decision.request_id !== state.requestId) return { ok: false, reason: 'wrong_request' };
  if (decision.proposal_digest !== undefined && decision.proposal_digest !== state.digest) {
    return { ok: false, reason: 'digest_mismatch' };
  }
  if (!state.pending) return { ok: false, reason: 'already_decided' };
  if (decision.stage !== undefined && decision.stage !== state.stage)
    return { ok: false, reason: 'stale_stage' };
  if (decision.team_id !== undefined && state.teamId !== undefined && decision.team_id !== state.teamId) {
    return { ok: false, reason: 'wrong_team' };
  }
  if (state.nowMs >= state.expiresAtMs) return { ok: false, reason: 'too_late' };
  const allowed = mayDecide(decision.reviewer, state);
  if (!allowed.ok) return allowed;
  if (decision.reviewer && state.counted?.includes(decision.reviewer.id)) {
    return { ok: false, reason: 'already_counted' };
  }
  return allowed;
}

/** Everyone whose approval has counted so far. One person counts once per request, across stages too. */
export function countedReviewers(stages: readonly StageSummary[]): string[] {
  return stages.flatMap((stage) => stage.approvals.flatMap((a) => (a.reviewer ? [a.reviewer.id] : [])));
}

/** The rule for a call: its tool's, else its risk's, else the default. */
export function planFor(proposal: Pick<Proposal, 'tool' | 'risk'>, policy: ApprovalPolicy): ApprovalPlan {
  // Own keys only: a tool named like an Object.prototype member must not find something that is not a rule.
  const byTool = Object.hasOwn(policy.tools, proposal.tool) ? policy.tools[proposal.tool] : undefined;
  return byTool ?? policy.risks[proposal.risk] ?? policy.default;
}

/** Escalation widens who may decide; "anyone" is already as wide as it gets. */
export function widenEligibility(current: Eligibility, added: Eligibility): Eligibility {
  if (current.kind === 'anyone' || added.kind === 'anyone') return { kind: 'anyone' };
  return {
    kind: 'listed',
    users: [...new Set([...current.users, ...added.users])].sort(),
    userGroups: [...new Set([...current.userGroups, ...added.userGroups])],
  };
}

/** Resolves APPROVERS (users and user groups) into who may decide, given each group's members. */
export function resolveEligibility(
  approvers: { users: string[]; userGroups: string[] } | undefined,
  groupMembers: Record<string, string[]>,
): Eligibility {
  if (!approvers) return { kind: 'anyone' };
  const users = new Set(approvers.users);
  for (const group of approvers.userGroups) {
    for (const member of groupMembers[group] ?? []) users.add(member);
  }
  return { kind: 'listed', users: [...users].sort(), userGroups: [...approvers.userGroups] };
}
