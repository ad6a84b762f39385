// The model's next step is taken in the activity of the call before it (src/activities/tools.ts, ToolCall's `then`):
// the run's last call of a turn goes on to the model, and a final answer is posted from there. What the requester
// sees is unchanged: one threaded result, the tool run once, whatever the model does meanwhile. Signed Slack requests
// into the real Bolt receiver, a real worker on the dev server, the Slack and OpenAI fakes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESULT_EVENT_TYPE } from '../../src/activities/slack.js';
import type { FakeOpenAIReply } from '../fakes/openai.js';
import { functionCall, message } from '../fakes/openai.js';
import {
  type Engine,
  PEOPLE,
  policyFile,
  proposal,
  runOutcome,
  scheduledActivities,
  scriptModel,
  startEngine,
  toolOutputs,
  userText,
  waitForCard,
} from '../support/engine.js';
import {
  askAgent,
  openDecisionForm,
  type SlackAppHarness,
  startSlackApp,
  submitDecisionForm,
} from '../support/slack-app.js';

/** This file's own requester, so that nothing another file leaves on the shared server is looked at here. */
const REQUESTER = { id: 'U0STEPREQ', name: 'sam' };

let engine: Engine;
let slack: SlackAppHarness;

beforeAll(async () => {
  engine = await startEngine({
    prefix: 'step-with-call',
    users: [REQUESTER],
    env: { POLICY_FILE: policyFile({ default: { approvers: [PEOPLE.ana.id], timeout: '1h' } }) },
  });
  slack = await startSlackApp(engine);
});

afterAll(async () => {
  await slack?.close();
  await engine?.close();
});

/** The run's results as posted: marked with the run's id. */
function resultsOf(runId: string) {
  return engine.slackApi.callsTo('chat.postMessage').filter((c) => {
    const metadata = c.args.metadata as
      | { event_type?: string; event_payload?: { run_id?: string } }
      | undefined;
    return metadata?.event_type === RESULT_EVENT_TYPE && metadata.event_payload?.run_id === runId;
  });
}

/** A model that fails its first answer after the call's output, as `failure`, then answers. */
function failingOnceAfterTheCall(failure: FakeOpenAIReply, answer: string): FakeOpenAIReply {
  let failed = false;
  return (request) => {
    if (failed) return message(answer);
    failed = true;
    return typeof failure === 'function' ? failure(request) : failure;
  };
}

/** The activities a workflow has scheduled, in order. */
const activitiesOf = (workflowId: string) => scheduledActivities(engine.client, workflowId);

async function approveTopic(topic: string, afterCall: FakeOpenAIReply) {
  const request = `set the topic of <#C0STEP|step> to ${topic}`;
  scriptModel(engine.openai, {
    [request]: [
      functionCall('set_channel_topic', proposal({ channel: 'C0STEP', topic }, 'medium')),
      afterCall,
    ],
  });
  const runId = await askAgent(slack.sender, request, REQUESTER.id);
  const card = await waitForCard(engine.slackApi, runId);
  const form = await openDecisionForm(slack, engine.slackApi, card, 'approve', PEOPLE.ana.id);
  expect((await submitDecisionForm(slack, form, PEOPLE.ana.id, null)).status).toBe(200);
  const outcome = await runOutcome(engine.client, runId);
  return {
    runId,
    outcome,
    topicsSet: engine.slackApi.callsTo('conversations.setTopic').filter((c) => c.args.topic === topic),
    modelRequests: engine.openai.requests.filter((r) => userText(r) === request),
  };
}

describe('the model’s next step, taken with the call', () => {
  it('an approved call and the final answer: one activity for both, one threaded result', async () => {
    const ran = await approveTopic('one', message('The topic is now "one".'));
    expect(ran.outcome).toMatchObject({ status: 'completed', answer: 'The topic is now "one".' });
    // The approval lives in the run: its card's post is the run's one activity besides the model's and the call's.
    expect(await activitiesOf(ran.runId)).toEqual(['beginRun', 'postApprovalCard', 'runTool']);
    expect(ran.topicsSet).toHaveLength(1);
    // The model read the call's result, as it would have in an activity of its own.
    expect(toolOutputs(ran.modelRequests[1] as (typeof ran.modelRequests)[number])).toEqual([
      expect.objectContaining({ status: 'done' }),
    ]);
    await expect.poll(() => resultsOf(ran.runId).length).toBe(1);
    expect(JSON.stringify(resultsOf(ran.runId)[0]?.args)).toContain('The topic is now');
  });

  it('a model that fails after the call: the run asks it again, the call is not repeated', async () => {
    const ran = await approveTopic(
      'two',
      failingOnceAfterTheCall(
        {
          kind: 'http_error',
          status: 500,
          body: { error: { message: 'overloaded', type: 'server_error', code: null, param: null } },
          headers: {},
        },
        'The topic is now "two".',
      ),
    );
    expect(ran.outcome).toMatchObject({ status: 'completed', answer: 'The topic is now "two".' });
    expect(await activitiesOf(ran.runId)).toEqual([
      'beginRun',
      'postApprovalCard',
      'runTool',
      'planNextStep',
    ]);
    expect(ran.topicsSet).toHaveLength(1);
    await expect.poll(() => resultsOf(ran.runId).length).toBe(1);
  });

  it('a model that answers garbage after the call: the same, and nothing is said twice', async () => {
    const ran = await approveTopic(
      'three',
      failingOnceAfterTheCall({ kind: 'garbage', body: '<html>bad gateway</html>' }, 'The topic is three.'),
    );
    expect(ran.outcome).toMatchObject({ status: 'completed', answer: 'The topic is three.' });
    expect(ran.topicsSet).toHaveLength(1);
    await expect.poll(() => resultsOf(ran.runId).length).toBe(1);
  });

  it('a call that needs nobody goes on to the model too', async () => {
    const request = 'what is <#C0STEPLOOK|look>?';
    scriptModel(engine.openai, {
      [request]: [functionCall('channel_info', proposal({ channel: 'C0STEPLOOK' })), message('A channel.')],
    });
    const runId = await askAgent(slack.sender, request, REQUESTER.id);
    expect(await runOutcome(engine.client, runId)).toMatchObject({
      status: 'completed',
      answer: 'A channel.',
    });
    expect(await activitiesOf(runId)).toEqual(['beginRun', 'runTool']);
  });
});
