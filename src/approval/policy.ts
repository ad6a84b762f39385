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

export const RISK_RANK: Record<Risk, number> = { low: 0, medium: 1, high: 2 };

/** The final risk of a tool call: the higher of the tool's own and the model's assessment. */
export function finalRisk(toolRisk: Risk, modelRisk: Risk): Risk {
  return RISK_RANK[modelRisk] > RISK_RANK[toolRisk] ? modelRisk : toolRisk;
}

/** Calls at or above the threshold wait for a person by their risk alone. */
export function needsApproval(risk: Risk, threshold: Risk): boolean {
  return RISK_RANK[risk] >= RISK_RANK[threshold];
}

/** Why a call waits for a person: its risk, a rule the operator wrote for it, outside content the run has read. */
export type PersonReason = 'risk' | 'rule' | 'read_outside';

export type PersonNeed =
  | { person: false }
  | {
      person: true;
      /** Every reason that holds, in this order: risk, rule, read_outside. */
      because: PersonReason[];
      /** Whether a standing approval may stand in for the person. */
      standingMayCover: boolean;
    };

/**
 * Does this call wait for a person? One rule, for the workflow's every use (one call, or counting the calls of a turn
 * asked together): at or above the threshold; or under a rule for its tool or its MCP server, whatever the risk — a
 * rule is the operator's word about those calls, a risk may be a server's; or, once the run has read outside content,
 * any call that can send data out, and then no standing approval stands in: whoever gave one could not know what this
 * run read, and what it read may be telling the model where to send things.
 */
export function personNeeded(
  proposal: Pick<Proposal, 'tool' | 'risk' | 'origin' | 'outside'>,
  policy: Pick<ApprovalPolicy, 'threshold' | 'tools' | 'servers'>,
  run: { readOutside: boolean },
): PersonNeed {
  const because: PersonReason[] = [];
  if (needsApproval(proposal.risk, policy.threshold)) because.push('risk');
  if (own(policy.tools, proposal.tool) ?? own(policy.servers, proposal.origin?.server)) because.push('rule');
  if (run.readOutside && proposal.outside?.sends === true) because.push('read_outside');
  if (because.length === 0) return { person: false };
  return { person: true, because, standingMayCover: !because.includes('read_outside') };
}

export type DecisionRefusal =
  | 'malformed'
  | 'wrong_request'
  | 'already_decided'
  | 'too_late'
  | 'not_eligible'
  | 'self_approval'
  | 'own_edit'
  | 'already_counted'
  | 'not_requester'
  | 'digest_mismatch'
  | 'wrong_team'
  | 'stale_stage'
  | 'edit_not_allowed'
  | 'invalid_edit'
  | 'standing_not_allowed';

/**
 * Every refusal, in the audit's words and in the words the person refused reads: one table, so the two never drift.
 */
export const REFUSALS: Record<DecisionRefusal, { audit: string; person: string }> = {
  standing_not_allowed: {
    audit: 'the rule does not allow a standing approval that long (or at all)',
    person: ':no_entry_sign: This request cannot be allowed again for that long; nothing was recorded.',
  },
  edit_not_allowed: {
    audit: 'the policy does not let approvers change this call',
    person: ':no_entry_sign: This request cannot be changed, only approved or rejected as it is.',
  },
  invalid_edit: {
    audit: 'the changed arguments are not a valid call of the tool',
    person: ':warning: The changed arguments are not a valid call of this tool; nothing was recorded.',
  },
  malformed: {
    audit: 'the decision payload is not a valid approval_decision',
    person: ':warning: This decision could not be read, so nothing was recorded.',
  },
  wrong_request: {
    audit: 'the decision is for another request',
    person: ':no_entry_sign: This form belongs to another request; nothing was recorded.',
  },
  already_decided: {
    audit: 'the request was already decided',
    person: ':information_source: This request was already decided; its card shows how.',
  },
  too_late: {
    audit: 'the request had already expired',
    person: ':hourglass: This request expired; nothing was run.',
  },
  not_eligible: {
    audit: 'the reviewer is not an approver for this request',
    person: ':no_entry_sign: You are not one of the approvers for this request.',
  },
  self_approval: {
    audit: 'the requester may not decide their own request',
    person: ':no_entry_sign: You asked for this action, so someone else has to decide on it.',
  },
  own_edit: {
    audit: 'the reviewer changed this call, and whoever wrote a call may not decide on it',
    person: ':no_entry_sign: You changed this call, so someone else has to decide on it as changed.',
  },
  already_counted: {
    audit: 'the reviewer already approved this request, and each person counts once',
    person:
      ':information_source: You already approved this request, and each person counts once; it is waiting for someone else.',
  },
  not_requester: {
    audit: 'only the requester may withdraw a request',
    person: ':no_entry_sign: Only the person who asked can withdraw this request.',
  },
  digest_mismatch: {
    audit: 'the decision is for a proposal other than the one waiting (its digest differs)',
    person:
      ':no_entry_sign: This form shows a different proposal from the one now waiting; nothing was recorded. Open the card again.',
  },
  wrong_team: {
    audit: 'the reviewer is not a member of the workspace Countersign is installed in',
    person:
      ':no_entry_sign: Only full members of the workspace Countersign is installed in can decide on its agent actions.',
  },
  stale_stage: {
    audit: 'the decision was made on an earlier stage of the request',
    person:
      ':information_source: This form was opened for an earlier stage of the request, which has passed; nothing was recorded. Open the card again to decide on the current stage.',
  },
};

/** The audit's words for each refusal. */
export const REFUSAL_TEXT = Object.fromEntries(
  Object.entries(REFUSALS).map(([reason, words]) => [reason, words.audit]),
) as Record<DecisionRefusal, string>;

/**
 * May this person decide? Operators (no reviewer, a decision signalled through Temporal) always may. Whoever wrote the
 * call — the requester, and every approver who changed it (`editors`) — may not, unless the rule allows
 * self-approval: an edit is the editor's own request.
 */
export function mayDecide(
  reviewer: Person | undefined,
  rules: {
    requester: Person;
    eligibility: Eligibility;
    allowSelfApproval: boolean;
    /** Who changed the call as it stands (edit before approve). */
    editors?: readonly string[];
  },
): { ok: true } | { ok: false; reason: 'not_eligible' | 'self_approval' | 'own_edit' } {
  if (reviewer === undefined) return { ok: true };
  if (reviewer.id === rules.requester.id && !rules.allowSelfApproval)
    return { ok: false, reason: 'self_approval' };
  if (rules.editors?.includes(reviewer.id) && !rules.allowSelfApproval)
    return { ok: false, reason: 'own_edit' };
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
    /** Who changed the call as it stands: like the requester, they may not decide on it. */
    editors?: readonly string[];
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

/** Own keys only: a name like an Object.prototype member must not find something that is not a rule. */
function own<T>(record: Record<string, T> | undefined, key: string | undefined): T | undefined {
  return record && key !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

/** The rule for a call: its tool's, else its MCP server's, else its risk's, else the default. */
export function planFor(
  proposal: Pick<Proposal, 'tool' | 'risk' | 'origin'>,
  policy: ApprovalPolicy,
): ApprovalPlan {
  return (
    own(policy.tools, proposal.tool) ??
    own(policy.servers, proposal.origin?.server) ??
    policy.risks[proposal.risk] ??
    policy.default
  );
}

/** The rule of that name in a policy (`default`, `risk high`, `tool archive_channel`, `server files`), if it has one. */
export function planNamed(policy: ApprovalPolicy, rule: string): ApprovalPlan | undefined {
  const plans = [
    policy.default,
    ...Object.values(policy.risks),
    ...Object.values(policy.tools),
    ...Object.values(policy.servers ?? {}),
  ];
  return plans.find((plan) => plan.rule === rule);
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
