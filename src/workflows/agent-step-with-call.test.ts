// The model's step taken with the last call of a turn (src/activities/tools.ts, `then`) and the requester's stop: a
// final answer the call's activity already gave stands, and is not posted again; without one, the stop ends the run
// before the model is asked. The real agent workflow with its activities stubbed, on the run's shared dev server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkedCall } from '../../test/support/calls.js';
import { approvalPlan } from '../../test/support/plans.js';
import { type StubbedWorker, startStubbedWorker } from '../../test/support/temporal.js';
import type { NextStep } from '../activities/llm.js';
import type { ToolCall } from '../activities/tools.js';
import type { RunOutcome } from '../approval/run.js';
import type { ApprovalPolicy } from '../approval/schemas.js';
import { agentWorkflow } from './agent.js';
import { stopRunSignal } from './messages.js';

const REQUESTER = { id: 'U0REQ', name: 'rae' };
const POLICY: ApprovalPolicy = { threshold: 'high', default: approvalPlan('default'), risks: {}, tools: {} };
const PROPOSAL = checkedCall('channel_info', { channel: 'C0LOOK' }, 'low', 'call_1');

/** What the stubbed activities were asked, in order; and whether the next call's activity gives a final answer. */
const asked: string[] = [];
let answerWithTheCall = true;

const activities = {
  async beginRun(): Promise<{ policy: ApprovalPolicy; next: NextStep }> {
    asked.push('beginRun');
    const modelItems = [{ type: 'call' as const, callId: 'call_1', name: 'channel_info', arguments: '{}' }];
    return {
      policy: POLICY,
      next: { kind: 'calls', checks: [{ ok: true, proposal: PROPOSAL }], modelItems },
    };
  },
  async planNextStep(): Promise<NextStep> {
    asked.push('planNextStep');
    return { kind: 'final', text: 'Asked again.' };
  },
  /** The requester stops the run while its only call runs. */
  async runTool(call: ToolCall) {
    asked.push(call.then ? 'runTool then' : 'runTool');
    const runId = call.callKey.split('/')[0] as string;
    await stubbed.temporal.client.workflow.getHandle(runId).signal(stopRunSignal, { by: REQUESTER });
    const outcome = { ok: true as const, result: { summary: 'A channel.' } };
    return answerWithTheCall
      ? {
          ...outcome,
          next: { kind: 'final', text: 'It is a channel.', posted: { channel: 'C0REQ', ts: '1.1' } },
        }
      : outcome;
  },
  async postRunReply() {
    asked.push('postRunReply');
    return { channel: 'C0REQ', ts: '1.2' };
  },
};

let stubbed: StubbedWorker;

beforeAll(async () => {
  stubbed = await startStubbedWorker('step-with-call', activities);
});

afterAll(async () => {
  await stubbed?.stop();
});

let runs = 0;
async function run(): Promise<RunOutcome> {
  asked.length = 0;
  runs += 1;
  return (await stubbed.temporal.client.workflow.execute(agentWorkflow, {
    taskQueue: stubbed.taskQueue,
    workflowId: `${stubbed.taskQueue}-run-${runs}`,
    args: [{ request: 'what is <#C0LOOK|look>?', requester: REQUESTER, channel: 'C0REQ' }],
  })) as RunOutcome;
}

describe('the model’s step taken with the call, and a stop meanwhile', () => {
  it('a final answer the call’s activity gave stands: the run completes with it, posted once', async () => {
    answerWithTheCall = true;
    const outcome = await run();
    expect(outcome).toMatchObject({ status: 'completed', answer: 'It is a channel.' });
    expect(asked).toEqual(['beginRun', 'runTool then']);
  });

  it('without one, the stop ends the run before the model is asked again', async () => {
    answerWithTheCall = false;
    const outcome = await run();
    expect(outcome).toMatchObject({
      status: 'cancelled',
      reason: expect.stringMatching(/stopped by the requester/),
    });
    expect(asked).toEqual(['beginRun', 'runTool then', 'postRunReply']);
  });
});
