import { describe, expect, it } from 'vitest';
import { approvalPlan, HOUR_MS, stagePlan } from '../../test/support/plans.js';
import { demandsAtLeast, planAfterEdit, stageDemandsAtLeast } from './demands.js';
import type { ApprovalPlan, StagePlan } from './schemas.js';

const HOUR = HOUR_MS;
const stage = stagePlan;
const plan = (rule: string, stages: StagePlan[], overrides: Partial<ApprovalPlan> = {}) =>
  approvalPlan(rule, { stages, ...overrides });

const people = (...users: string[]) => ({ users, userGroups: [] });

describe('stageDemandsAtLeast', () => {
  it('compares approvals required from the same people', () => {
    expect(stageDemandsAtLeast(stage({ required: 2 }), stage())).toBe(true);
    expect(stageDemandsAtLeast(stage(), stage({ required: 2 }))).toBe(false);
    expect(stageDemandsAtLeast(stage(), stage())).toBe(true);
  });

  it('asks no less only of people the other stage would accept too', () => {
    const ana = stage({ approvers: people('U0ANA') });
    expect(stageDemandsAtLeast(ana, stage())).toBe(true);
    expect(stageDemandsAtLeast(stage(), ana)).toBe(false);
    // Anyone in the workspace accepts every list; a list never accepts anyone.
    expect(stageDemandsAtLeast(ana, stage({ approvers: undefined }))).toBe(true);
    expect(stageDemandsAtLeast(stage({ approvers: undefined }), ana)).toBe(false);
    // Another group, or a person who may only be in the other's group: not known to be within it.
    const security = stage({ approvers: { users: [], userGroups: ['S0SECURITY'] } });
    expect(stageDemandsAtLeast(security, stage())).toBe(false);
    expect(stageDemandsAtLeast(stage({ approvers: people('U0SAM') }), security)).toBe(false);
    expect(stageDemandsAtLeast(security, security)).toBe(true);
  });

  it('counts the people an escalation lets in, and not sooner than the other stage lets them in', () => {
    const escalating = (afterMs: number, to: string) =>
      stage({
        approvers: people('U0ANA'),
        escalateAfterMs: afterMs,
        escalateTo: { approvers: people(to), channel: undefined },
      });
    // Escalating to someone the other stage never accepts.
    expect(stageDemandsAtLeast(escalating(HOUR / 2, 'U0MALLORY'), stage())).toBe(false);
    // To someone it accepts from the start: no wider than it.
    expect(stageDemandsAtLeast(escalating(HOUR / 2, 'U0BOB'), stage())).toBe(true);
    // To someone it accepts only after its own escalation: later is no looser, sooner is.
    const later = escalating(HOUR / 2, 'U0BOB');
    const sooner = escalating(HOUR / 4, 'U0BOB');
    const bobAfterHalfAnHour = stage({
      approvers: people('U0ANA'),
      escalateAfterMs: HOUR / 2,
      escalateTo: { approvers: people('U0BOB'), channel: undefined },
    });
    expect(stageDemandsAtLeast(later, bobAfterHalfAnHour)).toBe(true);
    expect(stageDemandsAtLeast(sooner, bobAfterHalfAnHour)).toBe(false);
    // A copy of the card in another channel lets nobody new decide.
    const copy = stage({
      escalateAfterMs: 60_000,
      escalateTo: { approvers: undefined, channel: 'C0ONCALL' },
    });
    expect(stageDemandsAtLeast(copy, stage())).toBe(true);
  });

  it('leaves timeouts and reminders out: they decide when a request ends unapproved, not who approves it', () => {
    expect(stageDemandsAtLeast(stage({ timeoutMs: 60_000, remindAfterMs: 1_000 }), stage())).toBe(true);
  });
});

describe('demandsAtLeast', () => {
  const medium = plan('risk medium', [stage({ required: 2 })]);
  const byDefault = plan('default', [stage()]);

  it('compares what the rules demand, not their names or risks', () => {
    expect(demandsAtLeast(medium, byDefault)).toBe(true);
    expect(demandsAtLeast(byDefault, medium)).toBe(false);
    expect(demandsAtLeast(byDefault, plan('risk high', [stage()]))).toBe(true);
  });

  it('needs each of the other plan’s stages matched, in order, by a stage of its own', () => {
    const lead = stage({ name: 'Team lead', approvers: people('U0ANA') });
    const security = stage({ name: 'Security', approvers: people('U0SAM') });
    const chain = plan('tool archive_channel', [lead, security]);
    expect(demandsAtLeast(chain, plan('lead', [lead]))).toBe(true);
    expect(demandsAtLeast(chain, plan('security', [security]))).toBe(true);
    expect(demandsAtLeast(plan('lead', [lead]), chain)).toBe(false);
    expect(demandsAtLeast(plan('reversed', [security, lead]), chain)).toBe(false);
    // One stage of it cannot stand for two of the other's: each person counts once across stages.
    expect(demandsAtLeast(plan('one', [stage({ required: 2 })]), plan('two', [stage(), stage()]))).toBe(
      false,
    );
  });

  it('does not let the requester approve where the other plan does not', () => {
    expect(demandsAtLeast(plan('self', [stage()], { allowSelfApproval: true }), byDefault)).toBe(false);
    expect(demandsAtLeast(byDefault, plan('self', [stage()], { allowSelfApproval: true }))).toBe(true);
  });

  it('holds for a plan and itself, and never for an empty plan against one with stages', () => {
    expect(demandsAtLeast(medium, medium)).toBe(true);
    expect(demandsAtLeast(plan('empty', []), byDefault)).toBe(false);
  });
});

describe('planAfterEdit', () => {
  const medium = plan('risk medium', [stage({ required: 2 })]);
  const byDefault = plan('default', [stage()]);
  const security = plan('risk high', [stage({ name: 'Security', approvers: people('U0SAM') })], {
    allowEdit: false,
    onTimeout: 'reject',
    channel: 'C0SECURITY',
  });

  it('keeps the plan the call was under when its own rule demands less (a 2-person invite grown to 7)', () => {
    expect(planAfterEdit(medium, byDefault)).toBe(medium);
  });

  it('goes to the call’s own rule when that demands at least as much', () => {
    expect(planAfterEdit(byDefault, medium)).toBe(medium);
  });

  it('keeps both sets of demands, in turn, when neither plan demands all the other does', () => {
    const both = planAfterEdit(byDefault, security);
    expect(both).toEqual({
      rule: 'default, then risk high',
      stages: [...byDefault.stages, ...security.stages],
      allowSelfApproval: false,
      allowEdit: false,
      onTimeout: 'cancel',
      channel: undefined,
    });
    expect(demandsAtLeast(both, byDefault) && demandsAtLeast(both, security)).toBe(true);
    // Edited again to the same rule: nothing more to add.
    expect(planAfterEdit(both, security)).toBe(both);
  });
});
