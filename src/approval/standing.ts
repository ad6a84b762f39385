// Standing approvals against approval fatigue: with an approval, an approver may allow the same call again for a
// while. Pure rules: how long one may last, which calls it covers, and whether its grantor still stands behind it. The
// grant itself is a workflow (src/workflows/grant.ts); the agent looks for one before asking a person
// (src/activities/run.ts), which asks Slack who may approve now.
import canonicalize from 'canonicalize';
import { mayDecide, RISK_RANK } from './policy.js';
import type { ApprovalPlan, ApproverIds, Eligibility, Proposal, Risk, StandingGrant } from './schemas.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

/** Without `standing_max` in its rule: none for a high-risk call, an hour for the rest (never past the rule's cap). */
export const DEFAULT_STANDING_MAX_MS: Record<Risk, number> = { low: HOUR_MS, medium: HOUR_MS, high: 0 };

/** The durations the form offers, up to the rule's maximum (which is offered too). */
const CHOICES_MS = [15 * MINUTE_MS, HOUR_MS, 4 * HOUR_MS, 24 * HOUR_MS];

/**
 * How long a standing approval given with this request may last; 0 when none may be given. Only where one person's
 * approval decides the request (a single stage needing one approval): a grant must never stand in for a quorum or a
 * chain of people.
 */
export function standingMaxFor(plan: ApprovalPlan, risk: Risk): number {
  const [stage, ...more] = plan.stages;
  if (!stage || more.length > 0 || stage.required !== 1) return 0;
  if (plan.standingMaxMs !== undefined) return plan.standingMaxMs;
  const byRisk = DEFAULT_STANDING_MAX_MS[risk];
  return plan.standingCapMs === undefined ? byRisk : Math.min(byRisk, plan.standingCapMs);
}

export function standingChoices(maxMs: number): number[] {
  if (maxMs <= 0) return [];
  return [...CHOICES_MS.filter((ms) => ms < maxMs), maxMs];
}

/** A call a standing approval might let through, with the rule and risk the run's policy gives it. */
export interface StandingCall {
  requesterId: string;
  tool: string;
  arguments: Record<string, unknown>;
  /** The rule the call falls under (ApprovalPlan.rule); absent from look-ups asked before grants recorded theirs. */
  rule?: string;
  risk?: Risk;
}

/**
 * Until when (ms) a grant counts, under `rule` as configured now (the worker's policy): its own expiry, or sooner when
 * the rule's longest standing approval for the grant's risk has been shortened since it was given. 0 when the rule is
 * another, or gone, and for grants from before grants recorded their rule and risk: those count for nothing.
 */
export function grantCountsUntil(grant: StandingGrant, rule: ApprovalPlan | undefined): number {
  if (grant.rule === undefined || grant.risk === undefined || rule?.rule !== grant.rule) return 0;
  return Math.min(
    Date.parse(grant.expires_at),
    Date.parse(grant.given_at) + standingMaxFor(rule, grant.risk),
  );
}

/** The look-up of a standing approval for a proposed call under its rule `plan`, on behalf of `requesterId`. */
export function standingCallFor(
  proposal: Pick<Proposal, 'tool' | 'arguments' | 'risk'>,
  plan: Pick<ApprovalPlan, 'rule'>,
  requesterId: string,
): StandingCall {
  return {
    requesterId,
    tool: proposal.tool,
    arguments: proposal.arguments,
    rule: plan.rule,
    risk: proposal.risk,
  };
}

/** A grant that covers a call, with when it stops counting under its rule as configured now (for the thread). */
export type CoveringGrant = StandingGrant & { counts_until: string };

/**
 * Whether a grant lets this call through now: active and counting (see grantCountsUntil, `rule` being the call's rule
 * as configured now), the same requester and tool, the same rule at no higher risk, the fixed arguments equal.
 */
export function grantCovers(
  grant: StandingGrant,
  call: StandingCall,
  rule: ApprovalPlan | undefined,
  nowMs: number,
): boolean {
  if (grant.status !== 'active' || grantCountsUntil(grant, rule) <= nowMs) return false;
  if (grant.requester.id !== call.requesterId || grant.tool !== call.tool) return false;
  // The grantor approved under one rule at one risk: a call their approval would not have decided is not theirs.
  if (call.rule !== grant.rule || call.risk === undefined || grant.risk === undefined) return false;
  if (RISK_RANK[call.risk] > RISK_RANK[grant.risk]) return false;
  const keys = new Set([...Object.keys(grant.fixed), ...Object.keys(call.arguments)]);
  for (const key of keys) {
    if (grant.vary.includes(key)) continue;
    if (canonicalize(grant.fixed[key]) !== canonicalize(call.arguments[key])) return false;
  }
  return true;
}

/**
 * Who may approve under a rule that allows standing approvals (one stage): its approvers, and those its escalation
 * adds, since they decide under it too. Undefined: anyone in the workspace.
 */
export function ruleApprovers(rule: ApprovalPlan): ApproverIds | undefined {
  const stage = rule.stages[0];
  if (!stage?.approvers) return undefined;
  const added = stage.escalateTo?.approvers;
  if (!added) return stage.approvers;
  return {
    users: [...new Set([...stage.approvers.users, ...added.users])],
    userGroups: [...new Set([...stage.approvers.userGroups, ...added.userGroups])],
  };
}

/**
 * Whether the grantor could still approve this grant's requester under `rule` as it stands now, `eligibility` being its
 * approvers resolved now (user groups by their members in Slack): the same rule as a decision, so a grant never
 * outlives its grantor's authority. That they are still a full member of the workspace is Slack's to say.
 */
export function grantorMayStillDecide(
  grant: StandingGrant,
  rule: ApprovalPlan,
  eligibility: Eligibility,
): boolean {
  return mayDecide(grant.grantor, {
    requester: grant.requester,
    eligibility,
    allowSelfApproval: rule.allowSelfApproval,
  }).ok;
}
