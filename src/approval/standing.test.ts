import { describe, expect, it } from 'vitest';
import type { ApprovalPlan, StagePlan, StandingGrant } from './schemas.js';
import {
  grantCountsUntil,
  grantCovers,
  grantorMayStillDecide,
  ruleApprovers,
  standingChoices,
  standingMaxFor,
} from './standing.js';

const stage = (required: number): StagePlan => ({
  name: 'Approval',
  approvers: undefined,
  required,
  timeoutMs: 3_600_000,
  remindAfterMs: undefined,
  escalateAfterMs: undefined,
  escalateTo: undefined,
});
const plan = (stages: StagePlan[], standingMaxMs?: number): ApprovalPlan => ({
  rule: 'default',
  stages,
  allowSelfApproval: false,
  onTimeout: 'cancel',
  channel: undefined,
  ...(standingMaxMs !== undefined ? { standingMaxMs } : {}),
});

describe('standingMaxFor', () => {
  it('is off for high risk and an hour otherwise, unless the rule says', () => {
    expect(standingMaxFor(plan([stage(1)]), 'high')).toBe(0);
    expect(standingMaxFor(plan([stage(1)]), 'medium')).toBe(3_600_000);
    expect(standingMaxFor(plan([stage(1)], 600_000), 'high')).toBe(600_000);
  });

  it('is off wherever more than one person’s approval decides: a quorum or a chain', () => {
    expect(standingMaxFor(plan([stage(2)], 600_000), 'medium')).toBe(0);
    expect(standingMaxFor(plan([stage(1), stage(1)], 600_000), 'medium')).toBe(0);
  });

  it('under a cap (the default’s, for a rule that says nothing), is by risk and never longer: none for high', () => {
    const capped = (standingCapMs: number): ApprovalPlan => ({ ...plan([stage(1)]), standingCapMs });
    expect(standingMaxFor(capped(600_000), 'medium')).toBe(600_000);
    expect(standingMaxFor(capped(4 * 3_600_000), 'medium')).toBe(3_600_000);
    expect(standingMaxFor(capped(4 * 3_600_000), 'high')).toBe(0);
    expect(standingMaxFor(capped(0), 'low')).toBe(0);
  });
});

describe('standingChoices', () => {
  it('offers the usual durations below the maximum, and the maximum', () => {
    expect(standingChoices(3_600_000)).toEqual([900_000, 3_600_000]);
    expect(standingChoices(3_000)).toEqual([3_000]);
    expect(standingChoices(0)).toEqual([]);
  });
});

describe('grantCovers', () => {
  const grant: StandingGrant = {
    grant_id: 'g',
    status: 'active',
    requester: { id: 'U0RITA' },
    tool: 'set_channel_topic',
    fixed: { channel: 'C0A' },
    vary: ['topic'],
    grantor: { id: 'U0ANA' },
    rule: 'default',
    risk: 'medium',
    given_at: '2026-11-22T10:00:00Z',
    expires_at: '2026-11-22T11:00:00Z',
    request_id: 'r',
    run_id: 'run',
    uses: 0,
    audit: [],
  };
  const now = Date.parse('2026-11-22T10:30:00Z');
  const call = {
    requesterId: 'U0RITA',
    tool: 'set_channel_topic',
    arguments: { channel: 'C0A', topic: 'Any' },
    rule: 'default',
    risk: 'medium' as const,
  };
  const rule = plan([stage(1)], 3_600_000);

  it('covers the same requester’s same tool under the same rule, the fixed arguments equal and the others free', () => {
    expect(grantCovers(grant, call, rule, now)).toBe(true);
    expect(grantCovers(grant, { ...call, risk: 'low' }, rule, now)).toBe(true);
  });

  it('covers nothing else: another requester, tool or fixed value, a new argument, expired or revoked', () => {
    expect(grantCovers(grant, { ...call, requesterId: 'U0MALLORY' }, rule, now)).toBe(false);
    expect(grantCovers(grant, { ...call, tool: 'archive_channel' }, rule, now)).toBe(false);
    expect(grantCovers(grant, { ...call, arguments: { channel: 'C0B', topic: 'x' } }, rule, now)).toBe(false);
    expect(
      grantCovers(grant, { ...call, arguments: { channel: 'C0A', topic: 'x', extra: 1 } }, rule, now),
    ).toBe(false);
    expect(grantCovers(grant, call, rule, Date.parse('2026-11-22T11:00:00Z'))).toBe(false);
    expect(grantCovers({ ...grant, status: 'revoked' }, call, rule, now)).toBe(false);
  });

  it('covers no call under another rule, nor one of a higher risk than the call it was given with', () => {
    const high = { ...plan([stage(1)], 3_600_000), rule: 'risk high' };
    expect(grantCovers(grant, { ...call, rule: 'risk high', risk: 'high' }, high, now)).toBe(false);
    expect(grantCovers(grant, { ...call, rule: 'risk high' }, high, now)).toBe(false);
    expect(grantCovers(grant, { ...call, risk: 'high' }, rule, now)).toBe(false);
  });

  it('covers nothing when the grant is from before grants recorded their rule, or the look-up names none', () => {
    const { rule: _, risk: __, ...older } = grant;
    expect(grantCovers(older, call, rule, now)).toBe(false);
    const { rule: ___, risk: ____, ...unnamed } = call;
    expect(grantCovers(grant, unnamed, rule, now)).toBe(false);
  });

  it('counts until its expiry, or sooner when the rule’s standing_max is shorter now; not at all when the rule is gone', () => {
    expect(grantCountsUntil(grant, rule)).toBe(Date.parse('2026-11-22T11:00:00Z'));
    const shorter = plan([stage(1)], 10 * 60_000);
    expect(grantCountsUntil(grant, shorter)).toBe(Date.parse('2026-11-22T10:10:00Z'));
    expect(grantCovers(grant, call, shorter, now)).toBe(false);
    expect(grantCountsUntil(grant, plan([stage(1)], 0))).toBe(Date.parse(grant.given_at));
    // A quorum now: one person’s approval no longer decides, so their grant does not either.
    expect(grantCovers(grant, call, plan([stage(2)], 3_600_000), now)).toBe(false);
    expect(grantCovers(grant, call, undefined, now)).toBe(false);
    expect(grantCountsUntil(grant, { ...rule, rule: 'risk medium' })).toBe(0);
  });
});

describe('the grantor’s authority now', () => {
  const grant = { grantor: { id: 'U0ANA' }, requester: { id: 'U0RITA' } } as StandingGrant;
  const listed = (...users: string[]) => ({ kind: 'listed' as const, users, userGroups: [] });

  it('holds while the grantor is one of the rule’s approvers as they resolve now, and not past it', () => {
    const rule = plan([stage(1)]);
    expect(grantorMayStillDecide(grant, rule, listed('U0ANA', 'U0BOB'))).toBe(true);
    expect(grantorMayStillDecide(grant, rule, listed('U0BOB'))).toBe(false);
    expect(grantorMayStillDecide(grant, rule, { kind: 'anyone' })).toBe(true);
    // A grantor who is the requester holds only where the rule lets requesters decide.
    const own = { ...grant, grantor: { id: 'U0RITA' } };
    expect(grantorMayStillDecide(own, rule, listed('U0RITA'))).toBe(false);
    expect(grantorMayStillDecide(own, { ...rule, allowSelfApproval: true }, listed('U0RITA'))).toBe(true);
  });

  it('takes the rule’s approvers with those its escalation adds, who decide under it too', () => {
    const approvers = { users: ['U0ANA'], userGroups: ['S0LEADS'] };
    const rule = plan([
      {
        ...stage(1),
        approvers,
        escalateTo: { approvers: { users: ['U0BOB'], userGroups: ['S0LEADS'] }, channel: undefined },
      },
    ]);
    expect(ruleApprovers(rule)).toEqual({ users: ['U0ANA', 'U0BOB'], userGroups: ['S0LEADS'] });
    expect(ruleApprovers(plan([{ ...stage(1), approvers }]))).toEqual(approvers);
    expect(ruleApprovers(plan([stage(1)]))).toBeUndefined();
  });
});
