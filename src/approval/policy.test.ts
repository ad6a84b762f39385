import { describe, expect, it } from 'vitest';
import {
  checkDecision,
  countedReviewers,
  finalRisk,
  mayDecide,
  needsApproval,
  personNeeded,
  planFor,
  planNamed,
  resolveEligibility,
  widenEligibility,
} from './policy.js';
import type { ApprovalPlan, ApprovalPolicy, Eligibility, Person, Risk, StageSummary } from './schemas.js';
import type { ApprovalDecision } from './signals.js';

const requester: Person = { id: 'UREQUESTER', name: 'Requester' };
const reviewer: Person = { id: 'UREVIEWER', name: 'Reviewer' };
const anyone: Eligibility = { kind: 'anyone' };
const listed: Eligibility = { kind: 'listed', users: ['UREVIEWER', 'UOTHER'], userGroups: [] };

describe('finalRisk', () => {
  it.each<[Risk, Risk, Risk]>([
    ['low', 'low', 'low'],
    ['low', 'medium', 'medium'],
    ['low', 'high', 'high'],
    ['medium', 'low', 'medium'],
    ['medium', 'medium', 'medium'],
    ['medium', 'high', 'high'],
    ['high', 'low', 'high'],
    ['high', 'medium', 'high'],
    ['high', 'high', 'high'],
  ])('tool %s and model %s → %s', (toolRisk, modelRisk, expected) => {
    expect(finalRisk(toolRisk, modelRisk)).toBe(expected);
  });
});

describe('needsApproval', () => {
  it.each<[Risk, Risk, boolean]>([
    ['low', 'low', true],
    ['medium', 'low', true],
    ['high', 'low', true],
    ['low', 'medium', false],
    ['medium', 'medium', true],
    ['high', 'medium', true],
    ['low', 'high', false],
    ['medium', 'high', false],
    ['high', 'high', true],
  ])('a %s-risk call with threshold %s waits for a person: %s', (risk, threshold, expected) => {
    expect(needsApproval(risk, threshold)).toBe(expected);
  });
});

describe('mayDecide', () => {
  it('always lets an operator (no reviewer) decide, even under a list that names nobody', () => {
    const nobody: Eligibility = { kind: 'listed', users: [], userGroups: [] };
    expect(mayDecide(undefined, { requester, eligibility: nobody, allowSelfApproval: false })).toEqual({
      ok: true,
    });
    expect(mayDecide(undefined, { requester, eligibility: anyone, allowSelfApproval: false })).toEqual({
      ok: true,
    });
  });

  it('refuses the requester deciding their own request unless self-approval is allowed', () => {
    expect(mayDecide(requester, { requester, eligibility: anyone, allowSelfApproval: false })).toEqual({
      ok: false,
      reason: 'self_approval',
    });
    expect(mayDecide(requester, { requester, eligibility: anyone, allowSelfApproval: true })).toEqual({
      ok: true,
    });
  });

  it('compares people by ID, not by name', () => {
    const sameIdOtherName: Person = { id: requester.id, name: 'Someone Else' };
    expect(mayDecide(sameIdOtherName, { requester, eligibility: anyone, allowSelfApproval: false })).toEqual({
      ok: false,
      reason: 'self_approval',
    });
  });

  it('accepts anyone but the requester when eligibility is "anyone"', () => {
    expect(mayDecide(reviewer, { requester, eligibility: anyone, allowSelfApproval: false })).toEqual({
      ok: true,
    });
    expect(
      mayDecide({ id: 'URANDOM' }, { requester, eligibility: anyone, allowSelfApproval: false }),
    ).toEqual({ ok: true });
  });

  it('accepts listed users and refuses everybody else when eligibility is "listed"', () => {
    expect(mayDecide(reviewer, { requester, eligibility: listed, allowSelfApproval: false })).toEqual({
      ok: true,
    });
    expect(
      mayDecide({ id: 'USTRANGER' }, { requester, eligibility: listed, allowSelfApproval: false }),
    ).toEqual({ ok: false, reason: 'not_eligible' });
  });

  it('still refuses a self-approving requester who is not on the list', () => {
    expect(mayDecide(requester, { requester, eligibility: listed, allowSelfApproval: true })).toEqual({
      ok: false,
      reason: 'not_eligible',
    });
  });

  it('lets a listed requester approve their own request when self-approval is allowed', () => {
    const withRequester: Eligibility = { kind: 'listed', users: [requester.id], userGroups: [] };
    expect(mayDecide(requester, { requester, eligibility: withRequester, allowSelfApproval: true })).toEqual({
      ok: true,
    });
    expect(mayDecide(requester, { requester, eligibility: withRequester, allowSelfApproval: false })).toEqual(
      { ok: false, reason: 'self_approval' },
    );
  });

  it('refuses whoever changed the call, as the requester is, unless self-approval is allowed', () => {
    const rules = { requester, eligibility: listed, editors: [reviewer.id] };
    expect(mayDecide(reviewer, { ...rules, allowSelfApproval: false })).toEqual({
      ok: false,
      reason: 'own_edit',
    });
    expect(mayDecide(reviewer, { ...rules, allowSelfApproval: true })).toEqual({ ok: true });
    expect(mayDecide({ id: 'UOTHER' }, { ...rules, allowSelfApproval: false })).toEqual({ ok: true });
  });
});

describe('checkDecision', () => {
  const EXPIRES = 1_700_000_000_000;
  const state = {
    requestId: 'req-1',
    pending: true,
    nowMs: EXPIRES - 1,
    expiresAtMs: EXPIRES,
    requester,
    eligibility: listed,
    allowSelfApproval: false,
  };
  const decision = (overrides: Partial<ApprovalDecision> = {}): ApprovalDecision => ({
    request_id: 'req-1',
    approved: true,
    reviewer,
    ...overrides,
  });

  it('accepts an eligible reviewer deciding the pending request in time', () => {
    expect(checkDecision(decision(), state)).toEqual({ ok: true });
  });

  it('accepts an operator decision (no reviewer) in time', () => {
    expect(checkDecision(decision({ reviewer: undefined }), state)).toEqual({ ok: true });
  });

  it('counts a person once: a second decision from someone who already approved is refused', () => {
    const counted = ['UREVIEWER'];
    expect(checkDecision(decision(), { ...state, counted })).toEqual({
      ok: false,
      reason: 'already_counted',
    });
    expect(checkDecision(decision({ approved: false }), { ...state, counted })).toEqual({
      ok: false,
      reason: 'already_counted',
    });
    expect(checkDecision(decision({ reviewer: { id: 'UOTHER' } }), { ...state, counted })).toEqual({
      ok: true,
    });
  });

  it('reports ineligibility before a repeat, so nobody learns who has approved', () => {
    const stranger = { id: 'USTRANGER' };
    expect(checkDecision(decision({ reviewer: stranger }), { ...state, counted: ['USTRANGER'] })).toEqual({
      ok: false,
      reason: 'not_eligible',
    });
  });

  it('reports a decision for another request before anything else', () => {
    const everythingWrong = { ...state, pending: false, nowMs: EXPIRES + 1 };
    expect(checkDecision(decision({ request_id: 'req-2', reviewer: requester }), everythingWrong)).toEqual({
      ok: false,
      reason: 'wrong_request',
    });
  });

  it('reports an already decided request before lateness or eligibility', () => {
    const decidedAndLate = { ...state, pending: false, nowMs: EXPIRES + 1 };
    expect(checkDecision(decision({ reviewer: { id: 'USTRANGER' } }), decidedAndLate)).toEqual({
      ok: false,
      reason: 'already_decided',
    });
  });

  it('reports lateness before eligibility', () => {
    const late = { ...state, nowMs: EXPIRES + 1 };
    expect(checkDecision(decision({ reviewer: { id: 'USTRANGER' } }), late)).toEqual({
      ok: false,
      reason: 'too_late',
    });
  });

  it('counts a decision arriving exactly at the expiry time as too late', () => {
    expect(checkDecision(decision(), { ...state, nowMs: EXPIRES })).toEqual({
      ok: false,
      reason: 'too_late',
    });
  });

  it('refuses even an operator decision after expiry', () => {
    expect(checkDecision(decision({ reviewer: undefined }), { ...state, nowMs: EXPIRES + 1 })).toEqual({
      ok: false,
      reason: 'too_late',
    });
  });

  it('finally applies who may decide', () => {
    expect(checkDecision(decision({ reviewer: { id: 'USTRANGER' } }), state)).toEqual({
      ok: false,
      reason: 'not_eligible',
    });
    expect(checkDecision(decision({ reviewer: requester }), { ...state, eligibility: anyone })).toEqual({
      ok: false,
      reason: 'self_approval',
    });
  });
});

describe('resolveEligibility', () => {
  it('lets anyone decide when no approvers are configured', () => {
    expect(resolveEligibility(undefined, { S1: ['U1'] })).toEqual({ kind: 'anyone' });
  });

  it('merges users and group members into one sorted list without duplicates', () => {
    const eligibility = resolveEligibility(
      { users: ['UZED', 'UALPHA'], userGroups: ['SOPS', 'SSEC'] },
      { SOPS: ['UMIKE', 'UALPHA'], SSEC: ['UMIKE', 'UBRAVO'] },
    );
    expect(eligibility).toEqual({
      kind: 'listed',
      users: ['UALPHA', 'UBRAVO', 'UMIKE', 'UZED'],
      userGroups: ['SOPS', 'SSEC'],
    });
  });

  it('treats an unknown group as having no members but still records it', () => {
    const eligibility = resolveEligibility({ users: ['U1'], userGroups: ['SUNKNOWN'] }, {});
    expect(eligibility).toEqual({ kind: 'listed', users: ['U1'], userGroups: ['SUNKNOWN'] });
  });

  it('yields a list naming nobody when only empty or unknown groups are configured', () => {
    const eligibility = resolveEligibility({ users: [], userGroups: ['SEMPTY'] }, { SEMPTY: [] });
    expect(eligibility).toEqual({ kind: 'listed', users: [], userGroups: ['SEMPTY'] });
    expect(mayDecide(reviewer, { requester, eligibility, allowSelfApproval: false })).toEqual({
      ok: false,
      reason: 'not_eligible',
    });
  });
});

const stage = (approvals: Array<Person | undefined>): StageSummary => ({
  name: 'Stage',
  required: 2,
  status: 'pending',
  eligibility: anyone,
  approvals: approvals.map((p) => ({
    approved: true,
    notes: null,
    decidedAt: '2026-01-01T00:00:00Z',
    reviewer: p,
  })),
  opened_at: '2026-01-01T00:00:00Z',
  expires_at: '2026-01-02T00:00:00Z',
  escalated: false,
});

describe('countedReviewers', () => {
  it('lists every person who approved, across stages, and leaves operators out', () => {
    expect(countedReviewers([stage([reviewer]), stage([{ id: 'UOTHER' }, undefined])])).toEqual([
      'UREVIEWER',
      'UOTHER',
    ]);
  });
});

/** A plan that only names its rule: what planFor and personNeeded look at. */
const plan = (rule: string): ApprovalPlan => ({
  rule,
  stages: [],
  allowSelfApproval: false,
  onTimeout: 'cancel',
  channel: undefined,
});

describe('planFor', () => {
  const policy: ApprovalPolicy = {
    threshold: 'medium',
    default: plan('default'),
    risks: { high: plan('risk high') },
    tools: { archive_channel: plan('tool archive_channel') },
  };

  it('prefers the tool’s rule, then the risk’s, then the default', () => {
    expect(planFor({ tool: 'archive_channel', risk: 'high' }, policy).rule).toBe('tool archive_channel');
    expect(planFor({ tool: 'post_message', risk: 'high' }, policy).rule).toBe('risk high');
    expect(planFor({ tool: 'post_message', risk: 'medium' }, policy).rule).toBe('default');
  });

  it('takes an MCP server’s rule for its tools that have none of their own, before the risk’s', () => {
    const withServer: ApprovalPolicy = {
      ...policy,
      tools: { ...policy.tools, files__write_file: plan('tool files__write_file') },
      servers: { files: plan('server files') },
    };
    const from = (tool: string) => ({ server: 'files', tool, description: '', declares: [] });
    expect(planFor({ tool: 'files__list', risk: 'high', origin: from('list') }, withServer).rule).toBe(
      'server files',
    );
    expect(
      planFor({ tool: 'files__write_file', risk: 'high', origin: from('write_file') }, withServer).rule,
    ).toBe('tool files__write_file');
    expect(planFor({ tool: 'files__list', risk: 'high', origin: from('list') }, policy).rule).toBe(
      'risk high',
    );
  });

  it('finds no rule in what every object inherits', () => {
    expect(planFor({ tool: 'constructor', risk: 'medium' }, policy).rule).toBe('default');
    expect(planFor({ tool: '__proto__', risk: 'high' }, policy).rule).toBe('risk high');
  });

  it('finds a rule by its name (planNamed), and none that the policy no longer has', () => {
    const withServer: ApprovalPolicy = { ...policy, servers: { files: plan('server files') } };
    for (const rule of ['default', 'risk high', 'tool archive_channel', 'server files']) {
      expect(planNamed(withServer, rule)?.rule).toBe(rule);
    }
    expect(planNamed(policy, 'server files')).toBeUndefined();
    expect(planNamed(policy, 'risk medium')).toBeUndefined();
  });
});

describe('personNeeded', () => {
  const policy: ApprovalPolicy = {
    threshold: 'medium',
    default: plan('default'),
    risks: {},
    tools: { channel_info: plan('tool channel_info') },
    servers: { docs: plan('server docs') },
  };
  const from = (server: string) => ({ server, tool: 'read', description: '', declares: [] });
  const clean = { readOutside: false };
  const tainted = { readOutside: true };
  const sends = { reads: true, sends: true };

  it('asks a person at or above the threshold, and not below it, when nothing else applies', () => {
    expect(personNeeded({ tool: 'post_message', risk: 'medium' }, policy, clean)).toEqual({
      person: true,
      because: ['risk'],
      standingMayCover: true,
    });
    expect(personNeeded({ tool: 'post_message', risk: 'low' }, policy, clean)).toEqual({ person: false });
  });

  it('asks for every call a rule for its tool or its MCP server covers, whatever its risk', () => {
    expect(personNeeded({ tool: 'channel_info', risk: 'low' }, policy, clean)).toEqual({
      person: true,
      because: ['rule'],
      standingMayCover: true,
    });
    expect(personNeeded({ tool: 'docs__read', risk: 'low', origin: from('docs') }, policy, clean)).toEqual({
      person: true,
      because: ['rule'],
      standingMayCover: true,
    });
    expect(personNeeded({ tool: 'wiki__read', risk: 'low', origin: from('wiki') }, policy, clean)).toEqual({
      person: false,
    });
    // Names every object inherits are no rule.
    expect(personNeeded({ tool: 'constructor', risk: 'low' }, policy, clean)).toEqual({ person: false });
  });

  it('once the run has read outside content, asks for every call that can send data out, and no standing approval covers it', () => {
    const fetch = { tool: 'wiki__fetch', risk: 'low' as const, origin: from('wiki'), outside: sends };
    expect(personNeeded(fetch, policy, clean)).toEqual({ person: false });
    expect(personNeeded(fetch, policy, tainted)).toEqual({
      person: true,
      because: ['read_outside'],
      standingMayCover: false,
    });
    expect(personNeeded({ ...fetch, risk: 'high' }, policy, tainted)).toEqual({
      person: true,
      because: ['risk', 'read_outside'],
      standingMayCover: false,
    });
    // A call that sends nothing out is asked about as before.
    expect(personNeeded({ tool: 'post_message', risk: 'low' }, policy, tainted)).toEqual({ person: false });
    expect(
      personNeeded({ tool: 'x', risk: 'medium', outside: { reads: true, sends: false } }, policy, tainted),
    ).toEqual({ person: true, because: ['risk'], standingMayCover: true });
  });
});

describe('widenEligibility', () => {
  it('adds escalation approvers and groups once each', () => {
    const added: Eligibility = { kind: 'listed', users: ['UOTHER', 'UONCALL'], userGroups: ['SONCALL'] };
    expect(widenEligibility(listed, added)).toEqual({
      kind: 'listed',
      users: ['UONCALL', 'UOTHER', 'UREVIEWER'],
      userGroups: ['SONCALL'],
    });
  });

  it('keeps "anyone" as wide as it is', () => {
    expect(widenEligibility(anyone, listed)).toEqual(anyone);
  });
});
