// A tool call as a workflow is handed it (by the model’s activity, checked against its tool, or by the MCP gateway),
// and an approval of one as its workflow answers for it: for tests that start the workflows themselves or read them.
import { proposalDigest } from '../../src/approval/digest.js';
import type { ApprovalStatus, Eligibility, Proposal, Risk } from '../../src/approval/schemas.js';

/** `tool` called with `args`, of `risk` by the model's and the tool's word alike; only a low-risk call is safe to repeat. */
export function checkedCall(
  tool: string,
  args: Record<string, unknown>,
  risk: Risk,
  callId = `call-${tool}`,
): Proposal {
  return {
    callId,
    tool,
    arguments: args,
    reasoning: `the request asks for ${tool}`,
    modelRisk: risk,
    toolRisk: risk,
    risk,
    repeat: risk === 'low' ? 'safe' : 'once',
    digest: proposalDigest({ tool, arguments: args }),
  };
}

/**
 * An approval of `call`, pending with its one stage open to Ana, as query `approval_status` answers; `overrides` change
 * what a test is about.
 */
export function approvalOfCall(call: Proposal, overrides: Partial<ApprovalStatus> = {}): ApprovalStatus {
  const eligibility: Eligibility = { kind: 'listed', users: ['U0ANA'], userGroups: [] };
  return {
    request_id: `req-${call.callId}`,
    workflow_id: 'run-1',
    status: 'pending',
    proposal: call,
    requester: { id: 'U0REQ' },
    request: `the request for ${call.tool}`,
    run_id: 'run-1',
    requested_at: '2026-12-06T10:00:00.000Z',
    expires_at: '2026-12-06T11:00:00.000Z',
    eligibility,
    allow_self_approval: false,
    card: null,
    cards: [],
    stage_names: ['Approval'],
    stages: [
      {
        name: 'Approval',
        required: 1,
        status: 'pending',
        eligibility,
        approvals: [],
        opened_at: '2026-12-06T10:00:00.000Z',
        expires_at: '2026-12-06T11:00:00.000Z',
        escalated: false,
      },
    ],
    labels: {},
    audit: [],
    ...overrides,
  };
}
