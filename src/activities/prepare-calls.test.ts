import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it, vi } from 'vitest';
import { approvalPlan } from '../../test/support/plans.js';
import type { ApprovalPolicy, ApprovalPreparation, Proposal, Risk } from '../approval/schemas.js';
import type { CoveringGrant, StandingCall } from '../approval/standing.js';
import { type CallReads, type PreparedCall, prepareCalls, READ_BUDGET_MS } from './prepare-calls.js';

const policy: ApprovalPolicy = {
  threshold: 'medium',
  default: approvalPlan('default'),
  risks: { high: approvalPlan('risk high') },
  tools: {},
  servers: { web: approvalPlan('server web') },
};

const call = (callId: string, risk: Risk, more: Partial<Proposal> = {}): Proposal => ({
  callId,
  tool: 'set_channel_topic',
  arguments: { channel: 'C0LAUNCH', topic: callId },
  reasoning: 'asked',
  modelRisk: risk,
  toolRisk: risk,
  risk,
  repeat: 'safe',
  digest: `sha256:${callId}`,
  ...more,
});

const preparation: ApprovalPreparation = {
  teamId: 'T0TEST',
  labels: { C0LAUNCH: '#launch' },
  eligibility: { kind: 'listed', users: ['U0ANA', 'U0BOB'], userGroups: [] },
};

/** Reads that answer as told and note what they were asked. */
function reads(answers: { grant?: CoveringGrant | null; failGrant?: boolean; failSlack?: boolean } = {}) {
  const asked = { grants: [] as StandingCall[], preparations: [] as string[] };
  const fake: CallReads = {
    async findStandingGrant(c) {
      asked.grants.push(c);
      if (answers.failGrant) throw new Error('visibility unavailable');
      return answers.grant ?? null;
    },
    async prepareApproval(ask) {
      asked.preparations.push(String((ask.arguments as { topic: string }).topic));
      if (answers.failSlack) throw new Error('ratelimited');
      return preparation;
    },
  };
  return { fake, asked };
}

const prepare = (
  r: CallReads,
  proposals: Proposal[],
  readOutside: string[] = [],
): Promise<Record<string, PreparedCall>> =>
  new MockActivityEnvironment().run(() =>
    prepareCalls(r, proposals, policy, { requesterId: 'U0RITA', readOutside }),
  );

describe('prepareCalls: what a run reads with the model’s answer', () => {
  it('reads nothing for a call that runs at once', async () => {
    const { fake, asked } = reads();
    expect(await prepare(fake, [call('low', 'low')])).toEqual({});
    expect(asked).toEqual({ grants: [], preparations: [] });
  });

  it('looks for a standing approval under the call’s rule, then prepares its approval when none covers it', async () => {
    const { fake, asked } = reads();
    expect(await prepare(fake, [call('medium', 'medium')])).toEqual({
      medium: { rule: 'default', standing: null, approval: preparation },
    });
    expect(asked.grants).toEqual([
      {
        requesterId: 'U0RITA',
        tool: 'set_channel_topic',
        arguments: { channel: 'C0LAUNCH', topic: 'medium' },
        rule: 'default',
        risk: 'medium',
      },
    ]);
  });

  it('prepares no approval for a call a standing approval covers', async () => {
    const grant = { grant_id: 'grant-1', counts_until: '2026-12-06T05:00:00.000Z' } as CoveringGrant;
    const { fake, asked } = reads({ grant });
    expect(await prepare(fake, [call('medium', 'medium')])).toEqual({
      medium: { rule: 'default', standing: grant },
    });
    expect(asked.preparations).toEqual([]);
  });

  it('does not look for a standing approval where the rule allows none (high risk by default)', async () => {
    const { fake, asked } = reads();
    expect(await prepare(fake, [call('high', 'high')])).toEqual({
      high: { rule: 'risk high', approval: preparation },
    });
    expect(asked.grants).toEqual([]);
  });

  it('does not look for one after the run read outside content, for a call that can send it out', async () => {
    const { fake, asked } = reads();
    const sends = call('sends', 'medium', { outside: { reads: false, sends: true } });
    const prepared = await prepare(fake, [sends], ['web__fetch']);
    expect(prepared.sends?.standing).toBeUndefined();
    expect(prepared.sends?.approval).toEqual(preparation);
    expect(asked.grants).toEqual([]);
  });

  it('leaves out what could not be read, for the run to ask itself, and still answers', async () => {
    const { fake } = reads({ failGrant: true, failSlack: true });
    expect(await prepare(fake, [call('medium', 'medium'), call('low', 'low')])).toEqual({
      medium: { rule: 'default' },
    });
  });
});

describe('prepareCalls: a read that hangs', () => {
  it('is left to the run after its budget, so that the model is not asked again', async () => {
    vi.useFakeTimers();
    try {
      const hanging: CallReads = {
        findStandingGrant: () => new Promise(() => undefined),
        prepareApproval: () => new Promise(() => undefined),
      };
      const answer = prepare(hanging, [call('medium', 'medium')]);
      await vi.advanceTimersByTimeAsync(READ_BUDGET_MS * 2 + 1);
      expect(await answer).toEqual({ medium: { rule: 'default' } });
    } finally {
      vi.useRealTimers();
    }
  });
});
