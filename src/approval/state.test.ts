import { describe, expect, it } from 'vitest';
import type { ApprovalStatus, StageSummary } from './schemas.js';
import {
  applyDecision,
  applyEdit,
  applyWithdrawal,
  decisionRules,
  dueTimer,
  nextTimerAt,
  stageTimers,
  submissionRefusal,
} from './state.js';

const NOW = Date.parse('2026-11-22T10:00:00Z');
const DIGEST = `sha256:${'ab'.repeat(32)}`;
const ana = { id: 'U0ANA' };
const bob = { id: 'U0BOB' };
const rita = { id: 'U0RITA' };

function stage(overrides: Partial<StageSummary> = {}): StageSummary {
  return {
    name: 'Security',
    required: 1,
    status: 'pending',
    eligibility: { kind: 'listed', users: [ana.id, bob.id], userGroups: [] },
    approvals: [],
    opened_at: '2026-11-22T09:00:00Z',
    expires_at: '2026-11-22T11:00:00Z',
    escalated: false,
    ...overrides,
  };
}

function snapshot(stages: StageSummary[] = [stage()], names = ['Security']): ApprovalStatus {
  return {
    request_id: 'req-1',
    workflow_id: 'run-1/approval-1',
    status: 'pending',
    proposal: {
      callId: 'c1',
      tool: 'archive_channel',
      arguments: { channel: 'C1' },
      reasoning: '',
      modelRisk: 'high',
      toolRisk: 'high',
      risk: 'high',
      repeat: 'look_up_first',
      digest: DIGEST,
    },
    requester: rita,
    request: 'archive it',
    run_id: 'run-1',
    requested_at: '2026-11-22T09:00:00Z',
    expires_at: stages.at(-1)?.expires_at ?? '2026-11-22T11:00:00Z',
    eligibility: stages.at(-1)?.eligibility ?? { kind: 'anyone' },
    allow_self_approval: false,
    card: null,
    cards: [],
    stage_names: names,
    stages,
    labels: {},
    team_id: 'T0HOME',
    audit: [],
  };
}

const approve = (reviewer = ana, extra: Record<string, unknown> = {}) => ({
  request_id: 'req-1',
  approved: true,
  reviewer,
  proposal_digest: DIGEST,
  team_id: 'T0HOME',
  stage: 1,
  ...extra,
});

describe('applyDecision', () => {
  it('counts an approval towards the quorum and decides the request when the last stage passes', () => {
    const s = snapshot([stage({ required: 2 })]);
    expect(applyDecision(s, approve(ana), NOW)).toEqual({
      accepted: true,
      progress: '1 of 2 approvals',
      decided: false,
    });
    expect(s.stages[0]?.status).toBe('pending');
    expect(applyDecision(s, approve(bob), NOW)).toEqual({
      accepted: true,
      progress: '2 of 2 approvals',
      decided: true,
    });
    expect(s.stages[0]?.status).toBe('approved');
    expect(s.decision?.reviewer).toEqual(bob);
  });

  it('lets one rejection veto the whole request', () => {
    const s = snapshot([stage({ required: 2 })]);
    applyDecision(s, approve(ana), NOW);
    const answer = applyDecision(s, { ...approve(bob), approved: false, reviewer_notes: ' no ' }, NOW);
    expect(answer).toEqual({ accepted: true, progress: 'rejected', decided: true });
    expect(s.status).toBe('rejected');
    expect(s.decision?.notes).toBe('no');
  });

  it('passes an earlier stage without deciding the request', () => {
    const s = snapshot([stage()], ['Team lead', 'Security']);
    expect(applyDecision(s, approve(ana), NOW)).toMatchObject({ accepted: true, decided: false });
    expect(s.stages[0]?.status).toBe('approved');
    expect(s.decision).toBeUndefined();
  });

  it.each([
    ['digest_mismatch', approve(ana, { proposal_digest: `sha256:${'00'.repeat(32)}` })],
    ['wrong_team', approve(ana, { team_id: 'T0OTHER' })],
    ['stale_stage', approve(ana, { stage: 2 })],
    ['wrong_request', approve(ana, { request_id: 'req-2' })],
    ['not_eligible', approve({ id: 'U0MALLORY' })],
    ['self_approval', approve(rita)],
  ])('refuses %s and changes nothing', (reason, decision) => {
    const s = snapshot();
    const before = JSON.stringify(s);
    expect(applyDecision(s, decision, NOW)).toMatchObject({ accepted: false, reason });
    expect(JSON.stringify(s)).toBe(before);
  });

  it('refuses a second approval from the same person, and one after the expiry', () => {
    const s = snapshot([stage({ required: 2 })]);
    applyDecision(s, approve(ana), NOW);
    expect(applyDecision(s, approve(ana), NOW)).toMatchObject({ accepted: false, reason: 'already_counted' });
    expect(applyDecision(snapshot(), approve(ana), Date.parse('2026-11-22T11:00:00Z'))).toMatchObject({
      accepted: false,
      reason: 'too_late',
    });
  });

  it('lets an operator (no reviewer, no digest) pass a stage outright', () => {
    const s = snapshot([stage({ required: 3 })]);
    expect(applyDecision(s, { request_id: 'req-1', approved: true }, NOW)).toMatchObject({
      accepted: true,
      decided: true,
    });
  });
});

describe('an edited call', () => {
  const edit = (by: { id: string }, channel: string) => ({
    by,
    at: '2026-11-22T09:30:00Z',
    before: { channel: 'C1' },
    after: { channel },
    changes: `channel: "C1" → "${channel}"`,
  });
  const edited = (s: ApprovalStatus, by: { id: string }, channel: string) => {
    applyEdit(s, edit(by, channel), { ...s.proposal, arguments: { channel } }, undefined);
    s.stages = [stage({ required: 2 })];
  };

  it('may not be decided by anyone who changed it, as the requester may not', () => {
    const s = snapshot();
    edited(s, ana, 'C2');
    expect(decisionRules(s, NOW).editors).toEqual([ana.id]);
    expect(applyDecision(s, approve(ana), NOW)).toMatchObject({ accepted: false, reason: 'own_edit' });
    expect(applyDecision(s, approve(bob), NOW)).toMatchObject({
      accepted: true,
      progress: '1 of 2 approvals',
    });
  });

  it('counts every editor as an author: each edit builds on the ones before', () => {
    const s = snapshot();
    edited(s, ana, 'C2');
    edited(s, bob, 'C3');
    expect(decisionRules(s, NOW).editors).toEqual([ana.id, bob.id]);
    expect(applyDecision(s, approve(ana), NOW)).toMatchObject({ reason: 'own_edit' });
    expect(applyDecision(s, approve(bob), NOW)).toMatchObject({ reason: 'own_edit' });
  });

  it('lets its editor approve where the rule allows self-approval', () => {
    const s = snapshot();
    edited(s, ana, 'C2');
    s.allow_self_approval = true;
    expect(applyDecision(s, approve(ana), NOW)).toMatchObject({ accepted: true });
  });
});

describe('applyWithdrawal', () => {
  it('lets the requester or an operator withdraw a pending request, and nobody else', () => {
    const s = snapshot();
    expect(applyWithdrawal(s, { request_id: 'req-1', by: ana })).toEqual({
      ok: false,
      reason: 'not_requester',
    });
    expect(applyWithdrawal(s, { request_id: 'req-1', by: rita })).toEqual({ ok: true });
    expect(s.status).toBe('cancelled');
    expect(s.withdrawn_by).toEqual(rita);
    expect(applyWithdrawal(s, { request_id: 'req-1' })).toEqual({ ok: false, reason: 'already_decided' });
  });
});

describe('stage timers', () => {
  const timers = stageTimers(0, 10_000, { remindAfterMs: 2_000, escalateAfterMs: 5_000 });

  it('wakes for the earliest timer and names what is due, the end first', () => {
    expect(nextTimerAt(timers)).toBe(2_000);
    expect(dueTimer(timers, 1_999)).toBeUndefined();
    expect(dueTimer(timers, 2_000)).toBe('remind');
    expect(dueTimer(timers, 5_000)).toBe('escalate');
    expect(dueTimer(timers, 10_000)).toBe('expire');
  });

  it('without reminder or escalation, waits for the end only', () => {
    const plain = stageTimers(0, 10_000, { remindAfterMs: undefined, escalateAfterMs: undefined });
    expect(nextTimerAt(plain)).toBe(10_000);
  });
});

describe('submissionRefusal (the Update validator)', () => {
  it('refuses what the rules refuse, before anything changes', () => {
    const s = snapshot();
    expect(submissionRefusal(s, approve(rita), NOW)?.reason).toBe('self_approval');
    expect(submissionRefusal(s, approve(ana, { standing: { for_ms: 60_000, vary: [] } }), NOW)?.reason).toBe(
      'standing_not_allowed',
    );
    expect(submissionRefusal(s, approve(ana, { edited_arguments: { channel: 'C2' } }), NOW)?.reason).toBe(
      'edit_not_allowed',
    );
    expect(s.stages[0]?.approvals).toEqual([]);
  });

  it('lets through a decision the rules take, and a standing approval within the rule', () => {
    const s = { ...snapshot(), standing_max_ms: 3_600_000, allow_edit: true };
    expect(submissionRefusal(s, approve(ana), NOW)).toBeUndefined();
    expect(
      submissionRefusal(s, approve(ana, { standing: { for_ms: 3_600_000, vary: [] } }), NOW),
    ).toBeUndefined();
    expect(submissionRefusal(s, approve(ana, { edited_arguments: { channel: 'C2' } }), NOW)).toBeUndefined();
  });
});
