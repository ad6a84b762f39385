import { describe, expect, it } from 'vitest';
import type { AgentStatus } from '../approval/run.js';
import type { ApprovalDecisionRecord, Eligibility, StageSummary } from '../approval/schemas.js';
import { approvalReaders, approvalsOf, maySeeRun, mayWithdraw } from './run-access.js';

const requester = { id: 'U0REQ', name: 'rita' };
const run = { requester };

const approved = (id: string): ApprovalDecisionRecord => ({
  approved: true,
  notes: null,
  decidedAt: '2025-01-01T00:00:00Z',
  reviewer: { id },
});

function stage(eligibility: Eligibility, approvals: ApprovalDecisionRecord[] = []): StageSummary {
  return {
    name: 'Approval',
    required: 1,
    status: 'pending',
    eligibility,
    approvals,
    opened_at: '2025-01-01T00:00:00Z',
    expires_at: '2025-01-02T00:00:00Z',
    escalated: false,
  };
}

const listed = (...users: string[]): Eligibility => ({ kind: 'listed', users, userGroups: [] });
const anyone: Eligibility = { kind: 'anyone' };

describe('mayWithdraw', () => {
  it('is for the requester alone', () => {
    expect(mayWithdraw({ id: 'U0REQ' }, run)).toBe(true);
    expect(mayWithdraw({ id: 'U0ANA' }, run)).toBe(false);
  });
});

describe('maySeeRun', () => {
  it('lets the requester read their run without looking at any approval', () => {
    expect(maySeeRun({ id: 'U0REQ' }, run, [])).toBe(true);
  });

  it('lets a listed approver of any of the run’s approvals read it, and nobody else', () => {
    const approvals = [
      { eligibility: listed('U0ANA'), stages: [stage(listed('U0ANA'))] },
      { eligibility: listed('U0BOB'), stages: [stage(listed('U0BOB'))] },
    ];
    expect(maySeeRun({ id: 'U0ANA' }, run, approvals)).toBe(true);
    expect(maySeeRun({ id: 'U0BOB' }, run, approvals)).toBe(true);
    expect(maySeeRun({ id: 'U0MALLORY' }, run, approvals)).toBe(false);
  });

  it('counts approvers a later or escalated stage named', () => {
    const approvals = [
      { eligibility: listed('U0ANA'), stages: [stage(listed('U0ANA')), stage(listed('U0SEC', 'U0ANA'))] },
    ];
    expect(maySeeRun({ id: 'U0SEC' }, run, approvals)).toBe(true);
  });

  it('for an approval open to anyone: only those who decided, not the whole workspace', () => {
    const approvals = [
      {
        eligibility: anyone,
        stages: [stage(anyone, [approved('U0ANA')])],
        decision: { ...approved('U0BOB'), approved: false },
      },
    ];
    expect(maySeeRun({ id: 'U0ANA' }, run, approvals)).toBe(true);
    expect(maySeeRun({ id: 'U0BOB' }, run, approvals)).toBe(true);
    expect(maySeeRun({ id: 'U0MALLORY' }, run, approvals)).toBe(false);
  });

  it('ignores an operator decision (no reviewer)', () => {
    const approvals = [
      {
        eligibility: anyone,
        stages: [stage(anyone)],
        decision: { approved: true, notes: null, decidedAt: '2025-01-01T00:00:00Z', reviewer: undefined },
      },
    ];
    expect([...approvalReaders(approvals[0] as (typeof approvals)[0])]).toEqual([]);
  });
});

describe('approvalsOf', () => {
  const verdict = (requestId: string, verdict = 'needs_approval') =>
    ({
      at: '2025-01-01T00:00:00Z',
      type: 'verdict',
      actor: 'policy',
      runId: 'run-1',
      requestId,
      details: { verdict },
    }) as AgentStatus['audit'][number];

  it('names each approval the run opened, in order, with its request id', () => {
    expect(
      approvalsOf({
        run_id: 'run-1',
        audit: [verdict('r1'), verdict('x', 'run_at_once'), verdict('r2')],
        pending_approval: { request_id: 'r2', workflow_id: 'run-1/approval-2', tool: 'archive_channel' },
      }),
    ).toEqual([
      { workflowId: 'run-1/approval-1', requestId: 'r1' },
      { workflowId: 'run-1/approval-2', requestId: 'r2' },
    ]);
  });

  it('includes the pending approval even when its verdict is not in the audit', () => {
    expect(
      approvalsOf({
        run_id: 'run-1',
        audit: [],
        pending_approval: { request_id: 'r1', workflow_id: 'run-1/approval-1', tool: 'archive_channel' },
      }),
    ).toEqual([{ workflowId: 'run-1/approval-1', requestId: 'r1' }]);
  });
});
