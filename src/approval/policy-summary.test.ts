import { describe, expect, it } from 'vitest';
import { describePolicy } from './policy-summary.js';
import type { ApprovalPlan, StagePlan } from './schemas.js';

const stage = (overrides: Partial<StagePlan> = {}): StagePlan => ({
  name: 'Approval',
  approvers: undefined,
  required: 1,
  timeoutMs: 86_400_000,
  remindAfterMs: undefined,
  escalateAfterMs: undefined,
  escalateTo: undefined,
  ...overrides,
});
const plan = (overrides: Partial<ApprovalPlan> = {}): ApprovalPlan => ({
  rule: 'default',
  stages: [stage()],
  allowSelfApproval: false,
  onTimeout: 'cancel',
  channel: undefined,
  ...overrides,
});

describe('describePolicy', () => {
  it('says what the environment’s default policy means', () => {
    expect(describePolicy({ threshold: 'medium', default: plan(), risks: {}, tools: {} })).toEqual([
      'calls of medium risk or higher wait for approval',
      'default: "Approval": 1 of anyone, timeout 1d; on timeout cancel; the requester may not decide; cards in the request’s channel',
    ]);
  });

  it('shows a chain with its quorum, timers and escalation, after the rules by risk', () => {
    const chain = plan({
      rule: 'tool archive_channel',
      onTimeout: 'reject',
      allowSelfApproval: true,
      channel: 'C0APPROVALS',
      stages: [
        stage({
          name: 'Team lead',
          approvers: { users: ['U0LEAD'], userGroups: [] },
          timeoutMs: 14_400_000,
          remindAfterMs: 3_600_000,
        }),
        stage({
          name: 'Security',
          required: 2,
          approvers: { users: ['U0SAM'], userGroups: ['S0SECURITY'] },
          escalateAfterMs: 7_200_000,
          escalateTo: { approvers: { users: [], userGroups: ['S0ONCALL'] }, channel: 'C0ONCALL' },
        }),
      ],
    });
    const lines = describePolicy({
      threshold: 'high',
      default: plan(),
      risks: { high: plan({ rule: 'risk high' }) },
      tools: { archive_channel: chain },
    });
    expect(lines[2]).toMatch(/^risk high: /);
    expect(lines[3]).toBe(
      'tool archive_channel: "Team lead": 1 of U0LEAD, timeout 4h, remind after 1h → "Security": 2 of S0SECURITY, U0SAM, timeout 1d, after 2h escalate: add S0ONCALL and post in C0ONCALL; on timeout reject; the requester may decide; cards in C0APPROVALS',
    );
  });
});
