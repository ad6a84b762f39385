// Standing approvals against approval fatigue: with an approval, an approver may allow the same call again for a
// while. Pure rules: how long one may last, which calls it covers. The grant itself is a workflow
// (src/workflows/grant.ts); the agent looks for one before asking a person (src/activities/run.ts).
import canonicalize from 'canonicalize';
import type { ApprovalPlan, Risk, StandingGrant } from './schemas.js';

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

/** Whether a grant lets this call through now: active, not expired, same requester and tool, fixed arguments equal. */
export function grantCovers(
  grant: StandingGrant,
  call: { requesterId: string; tool: string; arguments: Record<string, unknown> },
  nowMs: number,
): boolean {
  if (grant.status !== 'active' || Date.parse(grant.expires_at) <= nowMs) return false;
  if (grant.requester.id !== call.requesterId || grant.tool !== call.tool) return false;
  const keys = new Set([...Object.keys(grant.fixed), ...Object.keys(call.arguments)]);
  for (const key of keys) {
    if (grant.vary.includes(key)) continue;
    if (canonicalize(grant.fixed[key]) !== canonicalize(call.arguments[key])) return false;
  }
  return true;
}
