import { describe, expect, it } from 'vitest';
import type { ApprovalPlan, StagePlan, StandingGrant } from './schemas.js';
import { grantCovers, standingChoices, standingMaxFor } from './standing.js';

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
  };

  it('covers the same requester’s same tool with the fixed arguments equal and the others free', () => {
    expect(grantCovers(grant, call, now)).toBe(true);
  });

  it('covers nothing else: another requester, tool or fixed value, a new argument, expired or revoked', () => {
    expect(grantCovers(grant, { ...call, requesterId: 'U0MALLORY' }, now)).toBe(false);
    expect(grantCovers(grant, { ...call, tool: 'archive_channel' }, now)).toBe(false);
    expect(grantCovers(grant, { ...call, arguments: { channel: 'C0B', topic: 'x' } }, now)).toBe(false);
    expect(grantCovers(grant, { ...call, arguments: { channel: 'C0A', topic: 'x', extra: 1 } }, now)).toBe(
      false,
    );
    expect(grantCovers(grant, call, Date.parse('2026-11-22T11:00:00Z'))).toBe(false);
    expect(grantCovers({ ...grant, status: 'revoked' }, call, now)).toBe(false);
  });
});
