// The approval's rules applied to its snapshot: deterministic, no I/O. The workflow wires its handlers and timers to
// these; the Slack app's early check at a click calls the same ones. A function here changes the snapshot only when
// the rules allow it, and says what happened.
import { checkDecision, countedReviewers, type DecisionRefusal, REFUSAL_TEXT } from './policy.js';
import type {
  ApprovalDecisionRecord,
  ApprovalPlan,
  ApprovalStatus,
  Eligibility,
  Proposal,
  ProposalEdit,
} from './schemas.js';
import type { ApprovalDecision, Withdrawal } from './signals.js';

/** Who may decide while no stage is open (the first one's approvers are still being resolved): nobody. */
export const NOBODY: Eligibility = { kind: 'listed', users: [], userGroups: [] };

/** What a decision did: the answer of Update `submit_decision`, and what the audit records. */
export type DecisionAnswer =
  | {
      accepted: true;
      /** Where the current stage's quorum stands after it, e.g. "1 of 2 approvals". */
      progress: string;
      /** Whether it decided the request: a rejection, or the approval that passed the last stage. */
      decided: boolean;
      /**
       * The request as it ended, when this decision (through Update `submit_decision`) ended it: the one who submitted
       * it updates the request's cards with it (src/slack/decision-form/answer.ts). Absent from workflows from before.
       */
      ended?: ApprovalStatus;
    }
  | { accepted: false; reason: DecisionRefusal; explanation: string };

/** Who changed the call as it stands: every editor, since each edit builds on the ones before. */
export function editorsOf(snapshot: Pick<ApprovalStatus, 'edits'>): string[] {
  return [...new Set((snapshot.edits ?? []).map((edit) => edit.by.id))];
}

/** The checks' view of a snapshot at a moment. */
export function decisionRules(snapshot: ApprovalStatus, nowMs: number) {
  const stage = snapshot.stages.at(-1);
  return {
    requestId: snapshot.request_id,
    // Between stages, or before the first opens, there is nothing to decide on.
    pending: snapshot.status === 'pending' && stage?.status === 'pending',
    nowMs,
    expiresAtMs: Date.parse(snapshot.expires_at),
    requester: snapshot.requester,
    eligibility: stage?.eligibility ?? NOBODY,
    allowSelfApproval: snapshot.allow_self_approval,
    editors: editorsOf(snapshot),
    counted: countedReviewers(snapshot.stages),
    digest: snapshot.proposal.digest,
    teamId: snapshot.team_id,
    stage: snapshot.stages.length,
  };
}

type Refused = Extract<DecisionAnswer, { accepted: false }>;

function refused(reason: DecisionRefusal): Refused {
  return { accepted: false, reason, explanation: REFUSAL_TEXT[reason] };
}

function approvalsText(count: number, required: number): string {
  return `${count} of ${required} approval${required === 1 ? '' : 's'}`;
}

/**
 * Why a decision submitted through Update `submit_decision` would be refused now, before anything changes; undefined
 * when it goes on to be applied (an edit is then checked against the tool). The Update's validator asks this, so a
 * refusal is answered without writing anything to the workflow's history.
 */
export function submissionRefusal(
  snapshot: ApprovalStatus,
  decision: ApprovalDecision,
  nowMs: number,
): Refused | undefined {
  if (decision.edited_arguments !== undefined && !snapshot.allow_edit) return refused('edit_not_allowed');
  if (decision.standing && decision.standing.for_ms > (snapshot.standing_max_ms ?? 0)) {
    return refused('standing_not_allowed');
  }
  const check = checkDecision(decision, decisionRules(snapshot, nowMs));
  return check.ok ? undefined : refused(check.reason);
}

/** The rules a decision is checked by: the snapshot's, unless the workflow replays a run from before one of them. */
export type DecisionRules = ReturnType<typeof decisionRules>;

/** Applies a decision to the snapshot when the rules allow it: a rejection vetoes, an approval counts to the quorum. */
export function applyDecision(
  snapshot: ApprovalStatus,
  decision: ApprovalDecision,
  nowMs: number,
  rules: DecisionRules = decisionRules(snapshot, nowMs),
): DecisionAnswer {
  const check = checkDecision(decision, rules);
  const stage = snapshot.stages.at(-1);
  if (!check.ok) return refused(check.reason);
  if (!stage) return refused('already_decided'); // unreachable: with no stage open, the check refused as not pending
  const accepted: ApprovalDecisionRecord = {
    approved: decision.approved,
    notes: decision.reviewer_notes?.trim() || null,
    decidedAt: new Date(nowMs).toISOString(),
    reviewer: decision.reviewer,
  };
  if (!accepted.approved) {
    stage.status = 'rejected';
    snapshot.status = 'rejected';
    snapshot.decision = accepted;
    return { accepted: true, progress: 'rejected', decided: true };
  }
  stage.approvals.push(accepted);
  // An operator, deciding through Temporal itself, passes the stage outright.
  const passed = stage.approvals.length >= stage.required || !accepted.reviewer;
  const last = snapshot.stages.length === snapshot.stage_names.length;
  if (passed) {
    stage.status = 'approved';
    // The request's decision is the approval that passed its last stage; earlier ones only open the next.
    if (last) snapshot.decision = accepted;
  }
  return {
    accepted: true,
    progress: approvalsText(stage.approvals.length, stage.required),
    decided: passed && last,
  };
}

/**
 * An approver changed the call before approving (the edit was checked against the tool and the rules): the call now
 * stands as edited, and its approval starts over — approvals given for the old arguments do not count for the new
 * ones. Under `plan`, when the edited call goes to another (src/approval/demands.ts).
 */
export function applyEdit(
  snapshot: ApprovalStatus,
  edit: ProposalEdit,
  proposal: Proposal,
  plan: ApprovalPlan | undefined,
): void {
  snapshot.edits = [...(snapshot.edits ?? []), edit];
  snapshot.proposal = proposal;
  snapshot.stages = [];
  snapshot.eligibility = NOBODY;
  if (plan) {
    snapshot.stage_names = plan.stages.map((s) => s.name);
    snapshot.allow_self_approval = plan.allowSelfApproval;
    snapshot.allow_edit = plan.allowEdit !== false;
  }
}

/** The requester (or an operator, with no `by`) withdraws a pending request. */
export function applyWithdrawal(
  snapshot: ApprovalStatus,
  withdrawal: Withdrawal,
): { ok: true } | { ok: false; reason: DecisionRefusal } {
  if (withdrawal.request_id !== snapshot.request_id) return { ok: false, reason: 'wrong_request' };
  if (snapshot.status !== 'pending') return { ok: false, reason: 'already_decided' };
  if (withdrawal.by && withdrawal.by.id !== snapshot.requester.id)
    return { ok: false, reason: 'not_requester' };
  snapshot.status = 'cancelled';
  snapshot.withdrawn_by = withdrawal.by ?? 'operator';
  return { ok: true };
}

/** What a stage waits for next besides a decision: its reminder, its escalation, or its end. */
export interface StageTimers {
  remindAtMs: number | undefined;
  escalateAtMs: number | undefined;
  expiresAtMs: number;
}

export function stageTimers(
  openedAtMs: number,
  expiresAtMs: number,
  plan: { remindAfterMs: number | undefined; escalateAfterMs: number | undefined },
): StageTimers {
  return {
    remindAtMs: plan.remindAfterMs === undefined ? undefined : openedAtMs + plan.remindAfterMs,
    escalateAtMs: plan.escalateAfterMs === undefined ? undefined : openedAtMs + plan.escalateAfterMs,
    expiresAtMs,
  };
}

/** When the next timer is due. */
export function nextTimerAt(timers: StageTimers): number {
  return Math.min(timers.remindAtMs ?? Infinity, timers.escalateAtMs ?? Infinity, timers.expiresAtMs);
}

/** The timer due at `nowMs`, most important first: the end, then escalation, then a reminder. */
export function dueTimer(timers: StageTimers, nowMs: number): 'expire' | 'escalate' | 'remind' | undefined {
  if (nowMs >= timers.expiresAtMs) return 'expire';
  if (timers.escalateAtMs !== undefined && nowMs >= timers.escalateAtMs) return 'escalate';
  if (timers.remindAtMs !== undefined && nowMs >= timers.remindAtMs) return 'remind';
  return undefined;
}
