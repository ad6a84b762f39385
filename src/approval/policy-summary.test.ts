import { describe, expect, it } from 'vitest';
import { describePolicy, policyWarnings, type ToolRisk } from './policy-summary.js';
import type { ApprovalPlan, ApprovalPolicy, StagePlan } from './schemas.js';

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

  it('says when a rule forbids edits, and how long its standing approvals may last', () => {
    const lines = describePolicy({
      threshold: 'medium',
      default: plan({ standingMaxMs: 1_800_000 }),
      risks: {},
      tools: { call_webhook: plan({ rule: 'tool call_webhook', allowEdit: false, standingMaxMs: 0 }) },
    });
    expect(lines[1]).toMatch(/; standing approvals up to 30m$/);
    expect(lines[2]).toMatch(/; no edits before approving; no standing approvals$/);
  });

  it('says how long standing approvals may last under a rule capped by the default’s', () => {
    const lines = describePolicy({
      threshold: 'medium',
      default: plan({ standingMaxMs: 1_800_000 }),
      risks: { high: plan({ rule: 'risk high', standingCapMs: 1_800_000 }) },
      tools: { post_message: plan({ rule: 'tool post_message', standingCapMs: 0 }) },
    });
    expect(lines[2]).toMatch(/; standing approvals up to 30m for low and medium risk, none for high$/);
    expect(lines[3]).toMatch(/; no standing approvals$/);
  });
});

describe('policyWarnings', () => {
  const TOOLS: ToolRisk[] = [
    { name: 'channel_info', risk: 'low' },
    { name: 'post_message', risk: 'medium' },
    {
      name: 'invite_to_channel',
      risk: ({ users }: { users: string[] }) => (users.length > 5 ? 'high' : 'medium'),
    },
    { name: 'archive_channel', risk: 'high' },
  ];
  const ana = { users: ['U0ANA'], userGroups: [] };
  const policy = (overrides: Partial<ApprovalPolicy>): ApprovalPolicy => ({
    threshold: 'medium',
    default: plan({ stages: [stage({ approvers: ana })] }),
    risks: {},
    tools: {},
    ...overrides,
  });

  it('has nothing to say about a policy whose every rule can apply and names its approvers', () => {
    expect(
      policyWarnings(
        policy({ risks: { high: plan({ rule: 'risk high' }) }, tools: { archive_channel: plan() } }),
        TOOLS,
      ).filter((w) => !w.includes('any full member')),
    ).toEqual([]);
    expect(policyWarnings(policy({}), TOOLS)).toEqual([]);
  });

  it('says a rule for a risk below the threshold never applies', () => {
    const lines = policyWarnings(
      policy({
        threshold: 'high',
        risks: { low: plan(), medium: plan(), high: plan({ stages: [stage({ approvers: ana })] }) },
      }),
      TOOLS,
    );
    expect(lines).toEqual([
      'risks.low never applies: calls of low risk run without approval (threshold high)',
      'risks.medium never applies: calls of medium risk run without approval (threshold high)',
    ]);
  });

  it('says a rule for a tool of fixed risk below the threshold puts every one of its calls under approval', () => {
    const withApprovers = plan({ stages: [stage({ approvers: ana })] });
    const lines = policyWarnings(
      policy({
        threshold: 'high',
        tools: {
          channel_info: withApprovers,
          post_message: withApprovers,
          invite_to_channel: withApprovers,
          archive_channel: withApprovers,
        },
      }),
      TOOLS,
    );
    expect(lines).toEqual([
      'tools.channel_info puts every call of channel_info under approval, though channel_info itself is low risk, below the threshold (high): without this rule its calls would run at once',
      'tools.post_message puts every call of post_message under approval, though post_message itself is medium risk, below the threshold (high): without this rule its calls would run at once',
    ]);
  });

  it('counts a rule for an MCP server among those that apply, whatever the risk of its tools', () => {
    const lines = policyWarnings(
      policy({ threshold: 'high', risks: {}, servers: { docs: plan({ rule: 'server docs' }) } }),
      TOOLS,
    );
    expect(lines).toEqual([
      'servers.docs: any full member of this workspace may approve (no approvers for stage "Approval"); set APPROVERS, or approvers in this rule',
    ]);
  });

  it('says loudly when no rule names any approver: anyone in the workspace may approve', () => {
    const lines = policyWarnings(
      policy({
        default: plan(),
        risks: { high: plan({ rule: 'risk high', stages: [stage({ required: 2 })] }) },
      }),
      TOOLS,
    );
    expect(lines).toEqual([
      'No approvers configured (APPROVERS is unset and no policy rule lists approvers): any full member of this workspace may approve; set APPROVERS, or approvers in the policy file',
    ]);
  });

  it('names each rule that leaves a stage open to anyone when others list approvers', () => {
    const lines = policyWarnings(
      policy({
        default: plan(),
        risks: { high: plan({ rule: 'risk high', stages: [stage({ approvers: ana })] }) },
        tools: {
          archive_channel: plan({
            stages: [stage({ name: 'Team lead', approvers: ana }), stage({ name: 'Anyone' })],
          }),
        },
      }),
      TOOLS,
    );
    expect(lines).toEqual([
      'default: any full member of this workspace may approve (no approvers for stage "Approval"); set APPROVERS, or approvers in this rule',
      'tools.archive_channel: any full member of this workspace may approve (no approvers for stage "Anyone"); set APPROVERS, or approvers in this rule',
    ]);
  });

  it('does not count a default that every rule by risk shadows, nor rules that never apply', () => {
    const listed = plan({ stages: [stage({ approvers: ana })] });
    const lines = policyWarnings(
      policy({ default: plan(), risks: { low: plan(), medium: listed, high: listed } }),
      TOOLS,
    );
    expect(lines).toEqual([
      'risks.low never applies: calls of low risk run without approval (threshold medium)',
    ]);
  });
});
