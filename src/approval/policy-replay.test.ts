import { describe, expect, it } from 'vitest';
import { approvalPlan, HOUR_MS, stagePlan } from '../../test/support/plans.js';
import {
  changesFor,
  describeReplay,
  type PastCall,
  REPLAY_EXAMPLES_MAX,
  replayPolicy,
} from './policy-replay.js';
import type { ApprovalPolicy } from './schemas.js';

const HOUR = HOUR_MS;
const stage = stagePlan;
const plan = approvalPlan;

function policy(overrides: Partial<ApprovalPolicy> = {}): ApprovalPolicy {
  return { threshold: 'high', default: plan('default'), risks: {}, tools: {}, ...overrides };
}

function call(overrides: Partial<PastCall> = {}, proposal: Partial<PastCall['proposal']> = {}): PastCall {
  return {
    workflowId: 'run-1',
    at: '2026-12-06T02:00:00.000Z',
    requesterId: 'U0REQUESTER',
    proposal: { tool: 'archive_channel', risk: 'high', modelRisk: 'low', ...proposal },
    readOutside: false,
    verdict: 'needs_approval',
    ...overrides,
  };
}

describe('changesFor', () => {
  it('finds nothing when the draft is the policy in force', () => {
    expect(changesFor(call(), policy(), policy())).toEqual([]);
    expect(changesFor(call({}, { risk: 'low' }), policy(), policy())).toEqual([]);
  });

  it('a lower threshold asks for calls that ran at once: stricter', () => {
    const [change, ...more] = changesFor(
      call({ verdict: 'run_now' }, { risk: 'medium' }),
      policy(),
      policy({ threshold: 'medium' }),
    );
    expect(more).toEqual([]);
    expect(change).toMatchObject({ kind: 'needs_approval', looser: false, inForce: { asks: false } });
  });

  it('a higher threshold runs at once what was asked: looser', () => {
    const [change] = changesFor(call({}, { risk: 'medium' }), policy({ threshold: 'medium' }), policy());
    expect(change).toMatchObject({ kind: 'runs_without_asking', looser: true, draft: { asks: false } });
  });

  it('a rule for the tool asks whatever the risk', () => {
    const draft = policy({ tools: { lookup_user: plan('tool lookup_user') } });
    const [change] = changesFor(
      call({ verdict: 'run_now' }, { tool: 'lookup_user', risk: 'low' }),
      policy(),
      draft,
    );
    expect(change?.kind).toBe('needs_approval');
  });

  it('a risk the draft pins is met with the model’s own assessment', () => {
    const draft = policy({ toolRisks: { archive_channel: 'low' } });
    expect(changesFor(call(), policy(), draft)[0]).toMatchObject({
      kind: 'runs_without_asking',
      draft: { risk: 'low' },
    });
    const wary = call({}, { modelRisk: 'high' });
    expect(changesFor(wary, policy(), draft)).toEqual([]);
  });

  it('outside content read before a sending call asks for it under any threshold', () => {
    const sending = call(
      { verdict: 'needs_approval', readOutside: true },
      { risk: 'low', outside: { reads: false, sends: true } },
    );
    expect(changesFor(sending, policy(), policy({ threshold: 'high' }))).toEqual([]);
  });

  it('approvers removed are stricter, added or a smaller quorum looser', () => {
    const onlyAna = policy({
      default: plan('default', { stages: [stage({ approvers: { users: ['U0ANA'], userGroups: [] } })] }),
    });
    expect(changesFor(call(), policy(), onlyAna)[0]).toMatchObject({ kind: 'approvers', looser: false });
    expect(changesFor(call(), onlyAna, policy())[0]).toMatchObject({ kind: 'approvers', looser: true });
    const two = policy({ default: plan('default', { stages: [stage({ required: 2 })] }) });
    expect(changesFor(call(), two, policy())[0]).toMatchObject({ kind: 'approvers', looser: true });
    const self = policy({ default: plan('default', { allowSelfApproval: true }) });
    expect(changesFor(call(), policy(), self)[0]).toMatchObject({ kind: 'approvers', looser: true });
  });

  it('a standing approval given longer than the draft allows, or used under a rule it no longer has, is refused', () => {
    const short = policy({ default: plan('default', { standingMaxMs: 15 * 60_000 }) });
    const given = call({}, { risk: 'medium' });
    const inForce = policy({ threshold: 'medium', default: plan('default', { standingMaxMs: HOUR }) });
    const draft = { ...short, threshold: 'medium' as const };
    expect(changesFor({ ...given, grantedForMs: HOUR }, inForce, draft)[0]).toMatchObject({
      kind: 'standing_not_allowed',
      looser: false,
    });
    expect(changesFor({ ...given, grantedForMs: 15 * 60_000 }, inForce, draft)).toEqual([]);
    const used = call({ verdict: 'standing_approval', standingRule: 'default' }, { risk: 'medium' });
    expect(changesFor(used, inForce, inForce)).toEqual([]);
    const renamed = { ...inForce, risks: { medium: plan('risk medium', { standingMaxMs: HOUR }) } };
    expect(changesFor(used, inForce, renamed).map((c) => c.kind)).toEqual(['standing_not_allowed']);
    // A quorum never has standing approvals (standingMaxFor).
    const quorum = { ...inForce, default: plan('default', { stages: [stage({ required: 2 })] }) };
    expect(changesFor(used, inForce, quorum).map((c) => c.kind)).toEqual([
      'approvers',
      'standing_not_allowed',
    ]);
  });

  it('a longer standing approval than the policy in force allows is looser', () => {
    const longer = policy({ default: plan('default', { standingMaxMs: 4 * HOUR }) });
    expect(
      changesFor(call({}, { risk: 'medium' }), policy({ threshold: 'medium' }), {
        ...longer,
        threshold: 'medium',
      })[0],
    ).toMatchObject({
      kind: 'standing_longer',
      looser: true,
    });
  });
});

describe('replayPolicy and describeReplay', () => {
  it('counts each kind, shows a few examples without arguments, and says whether the draft is looser', () => {
    const calls = Array.from({ length: REPLAY_EXAMPLES_MAX + 2 }, (_, i) =>
      call({ workflowId: `run-${i}`, at: `2026-12-06T02:0${i}:00.000Z` }, { risk: 'medium' }),
    );
    const replay = replayPolicy(calls, policy({ threshold: 'medium' }), policy());
    expect(replay.changes.runs_without_asking).toHaveLength(calls.length);
    expect(replay).toMatchObject({ calls: calls.length, looser: true, stricter: false });
    const text = describeReplay(replay).join('\n');
    expect(text).toContain(`${calls.length} would have run without asking anyone (looser):`);
    expect(text).toContain('… and 2 more');
    expect(text).toContain('archive_channel (medium risk) for U0REQUESTER in run-0');
    expect(text).toContain('The draft is looser');

    const same = replayPolicy(calls, policy(), policy());
    expect(same).toMatchObject({ looser: false, stricter: false });
    expect(describeReplay(same).join('\n')).toContain('would have changed nothing');
  });
});
