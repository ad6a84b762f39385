// Approval plans as the policy file's loader makes them, for unit tests of the rules that compare or apply them.
import type { ApprovalPlan, StagePlan } from '../../src/approval/schemas.js';

export const HOUR_MS = 3_600_000;

/** One stage: one approval of Ana or Bob within an hour, unless `overrides` say otherwise. */
export function stagePlan(overrides: Partial<StagePlan> = {}): StagePlan {
  return {
    name: 'Approval',
    approvers: { users: ['U0ANA', 'U0BOB'], userGroups: [] },
    required: 1,
    timeoutMs: HOUR_MS,
    remindAfterMs: undefined,
    escalateAfterMs: undefined,
    escalateTo: undefined,
    ...overrides,
  };
}

/** A rule named `rule` with one `stagePlan()`, unless `overrides` say otherwise. */
export function approvalPlan(rule: string, overrides: Partial<ApprovalPlan> = {}): ApprovalPlan {
  return {
    rule,
    stages: [stagePlan()],
    allowSelfApproval: false,
    onTimeout: 'cancel',
    channel: undefined,
    ...overrides,
  };
}
