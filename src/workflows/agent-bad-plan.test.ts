// A rule with no stages reaching a run (the policy file's loader refuses one, so only a policy built some other way
// could): approving with no stage to pass would let the call run unapproved, so its approval refuses to start, and the
// run ends failed, saying why, with nothing run. Where approvals were child workflows the child failed; now that they
// live in the run, the run must end just as visibly. The real agent workflow with its activities stubbed, on the run's
// shared dev server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkedCall } from '../../test/support/calls.js';
import { approvalPlan } from '../../test/support/plans.js';
import { type StubbedWorker, startStubbedWorker } from '../../test/support/temporal.js';
import type { NextStep } from '../activities/llm.js';
import type { RunOutcome } from '../approval/run.js';
import type { ApprovalPolicy } from '../approval/schemas.js';
import { agentWorkflow } from './agent.js';

const REQUESTER = { id: 'U0REQ', name: 'rae' };
const NO_STAGES: ApprovalPolicy = {
  threshold: 'medium',
  default: approvalPlan('nobody to ask', { stages: [] }),
  risks: {},
  tools: {},
};
const PROPOSAL = checkedCall('archive_channel', { channel: 'C0OLD' }, 'high', 'call_1');

/** What the stubbed activities were asked, in order, and what the run's reply said. */
const asked: string[] = [];
const replies: RunOutcome[] = [];

const activities = {
  async beginRun(): Promise<{ policy: ApprovalPolicy; next: NextStep }> {
    asked.push('beginRun');
    const modelItems = [
      { type: 'call' as const, callId: 'call_1', name: 'archive_channel', arguments: '{}' },
    ];
    return {
      policy: NO_STAGES,
      next: { kind: 'calls', checks: [{ ok: true, proposal: PROPOSAL }], modelItems },
    };
  },
  async prepareApproval() {
    asked.push('prepareApproval');
    return { teamId: 'T0', labels: {}, eligibility: { kind: 'anyone' } };
  },
  async postApprovalCard() {
    asked.push('postApprovalCard');
    return { channel: 'C0REQ', ts: '1.1' };
  },
  async runTool() {
    asked.push('runTool');
    return { ok: true, result: { summary: 'Archived.' } };
  },
  async postRunReply(reply: { outcome: RunOutcome }) {
    asked.push('postRunReply');
    replies.push(reply.outcome);
    return { channel: 'C0REQ', ts: '1.2' };
  },
};

let stubbed: StubbedWorker;

beforeAll(async () => {
  stubbed = await startStubbedWorker('bad-plan', activities);
});

afterAll(async () => {
  await stubbed?.stop();
});

describe('a rule with no stages', () => {
  it('asks nobody and runs nothing: the run ends failed, and its reply says why', async () => {
    const outcome = (await stubbed.temporal.client.workflow.execute(agentWorkflow, {
      taskQueue: stubbed.taskQueue,
      workflowId: `${stubbed.taskQueue}-run`,
      args: [{ request: 'archive <#C0OLD|old>', requester: REQUESTER, channel: 'C0REQ' }],
    })) as RunOutcome;
    expect(outcome).toMatchObject({
      status: 'failed',
      reason: expect.stringContaining('the approval rule "nobody to ask" has no stages'),
      actions: [],
    });
    expect(asked).toEqual(['beginRun', 'postRunReply']);
    expect(replies).toEqual([outcome]);
  });
});
