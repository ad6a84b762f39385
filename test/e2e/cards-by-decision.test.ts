// The decision that ends an approval through the form is answered with the approval as it ended, and the Slack app
// that submitted it updates the cards (src/slack/decision-form/answer.ts): the approval ends without an activity of its
// own for them. A request that ends otherwise (expiry, withdrawal, an operator's signal) still has its cards updated by
// its workflow. Signed Slack requests into the real Bolt receiver, a real worker on the dev server, the fakes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunOutcome } from '../../src/approval/run.js';
import { approvalDecisionSignal } from '../../src/workflows/messages.js';
import { functionCall, message } from '../fakes/openai.js';
import {
  type Engine,
  expectRunsToReplay,
  PEOPLE,
  policyFile,
  proposal,
  runOutcome,
  scheduledActivities,
  scriptModel,
  startEngine,
  waitForCard,
} from '../support/engine.js';
import {
  askAgent,
  clickCard,
  openDecisionForm,
  type SlackAppHarness,
  startSlackApp,
  submitDecisionForm,
} from '../support/slack-app.js';

const REQUESTER = { id: 'U0CARDSREQ', name: 'cy' };

let engine: Engine;
let slack: SlackAppHarness;
const runs: string[] = [];

beforeAll(async () => {
  engine = await startEngine({
    prefix: 'cards-by-decision',
    users: [REQUESTER],
    env: { POLICY_FILE: policyFile({ default: { approvers: [PEOPLE.ana.id], timeout: '1h' } }) },
  });
  slack = await startSlackApp(engine);
});

afterAll(async () => {
  // The decider's answer waits for the approval's end: that path replays too.
  if (engine) expect(await expectRunsToReplay(engine.client, runs)).toBe(runs.length);
  await slack?.close();
  await engine?.close();
});

/** The activities a workflow has scheduled, in order. */
const activitiesOf = (workflowId: string) => scheduledActivities(engine.client, workflowId);

async function askForTopic(topic: string) {
  const request = `set the topic of <#C0CARDS|cards> to ${topic}`;
  scriptModel(engine.openai, {
    [request]: [
      functionCall('set_channel_topic', proposal({ channel: 'C0CARDS', topic }, 'medium')),
      message('Done.'),
    ],
  });
  const runId = await askAgent(slack.sender, request, REQUESTER.id);
  runs.push(runId);
  return { runId, card: await waitForCard(engine.slackApi, runId) };
}

/** The card's update that shows the approval ended as `status` (the fallback text says it). */
function cardShowing(ts: string, status: string) {
  return engine.slackApi.waitForCall(
    'chat.update',
    (c) => c.args.ts === ts && String(c.args.text).startsWith(`Approval ${status}`),
  );
}

describe('the cards of a request a person’s decision ended', () => {
  it('an approval: the card shows it, updated by the Slack app; the workflow has no activity for it', async () => {
    const { runId, card } = await askForTopic('approved');
    const form = await openDecisionForm(slack, engine.slackApi, card, 'approve', PEOPLE.ana.id);
    expect((await submitDecisionForm(slack, form, PEOPLE.ana.id, null)).status).toBe(200);
    const updated = await cardShowing(card.ts, 'approved');
    expect(JSON.stringify(updated.args.blocks)).toContain(`<@${PEOPLE.ana.id}>`);
    // No button is left on it.
    expect(JSON.stringify(updated.args.blocks)).not.toContain('approval_approve');
    expect(((await runOutcome(engine.client, runId)) as RunOutcome).status).toBe('completed');
    // The approval lives in its run: the run's activities are the model's, the card's post and the call, none for
    // the card's update.
    expect(card.workflowId).toBe(runId);
    expect(await activitiesOf(runId)).toEqual(['beginRun', 'postApprovalCard', 'runTool']);
  });

  it('a rejection: the same, with the notes', async () => {
    const { runId, card } = await askForTopic('rejected');
    const form = await openDecisionForm(slack, engine.slackApi, card, 'reject', PEOPLE.ana.id);
    expect((await submitDecisionForm(slack, form, PEOPLE.ana.id, 'not this week')).status).toBe(200);
    const updated = await cardShowing(card.ts, 'rejected');
    expect(JSON.stringify(updated.args.blocks)).toContain('not this week');
    await runOutcome(engine.client, runId);
    // The model is asked again, and its answer posted with that step.
    expect(await activitiesOf(runId)).toEqual(['beginRun', 'postApprovalCard', 'planNextStep']);
  });

  it('answered late (no worker at the moment of the submission): the card is updated once the answer comes', async () => {
    const { runId, card } = await askForTopic('late');
    const form = await openDecisionForm(slack, engine.slackApi, card, 'approve', PEOPLE.ana.id);
    await engine.stopWorker();
    try {
      const submitted = await submitDecisionForm(slack, form, PEOPLE.ana.id, null);
      expect(JSON.stringify(submitted.json)).toContain('being recorded');
      await engine.startWorker();
      await cardShowing(card.ts, 'approved');
      expect(((await runOutcome(engine.client, runId)) as RunOutcome).status).toBe('completed');
    } finally {
      if (engine.worker.getState() !== 'RUNNING') await engine.startWorker();
    }
  });

  it('a card Slack would not update keeps its buttons until a click, which redraws it as the request ended', async () => {
    const { runId, card } = await askForTopic('redrawn');
    const form = await openDecisionForm(slack, engine.slackApi, card, 'approve', PEOPLE.ana.id);
    engine.slackApi.fail('chat.update', { kind: 'error', error: 'cant_update_message' }, 1);
    try {
      const submittedAt = Date.now();
      expect((await submitDecisionForm(slack, form, PEOPLE.ana.id, null)).status).toBe(200);
      expect(((await runOutcome(engine.client, runId)) as RunOutcome).status).toBe('completed');
      // The Slack app's update, refused.
      await expect
        .poll(() =>
          engine.slackApi
            .callsTo('chat.update')
            .filter((c) => c.args.ts === card.ts && c.at >= submittedAt)
            .map((c) => c.fault?.kind ?? 'ok'),
        )
        .toEqual(['error']);
    } finally {
      engine.slackApi.clearFaults();
    }
    // Bob sees the buttons still there and clicks one: he is told who decided, and the card is redrawn.
    const clickedAt = Date.now();
    await clickCard(slack, card, 'approve', PEOPLE.bob.id);
    const told = await engine.slackApi.waitForCall(
      'chat.postEphemeral',
      (c) => c.args.user === PEOPLE.bob.id,
    );
    expect(String(told.args.text)).toContain('Already approved');
    const redrawn = await engine.slackApi.waitForCall(
      'chat.update',
      (c) => c.args.ts === card.ts && c.at >= clickedAt,
    );
    expect(String(redrawn.args.text)).toMatch(/^Approval approved/);
    expect(JSON.stringify(redrawn.args.blocks)).not.toContain('approval_approve');
  });

  it('an operator’s signal ends the request: its workflow updates the card, as before', async () => {
    const { runId, card } = await askForTopic('operator');
    const handle = engine.client.workflow.getHandle(card.workflowId);
    await handle.signal(approvalDecisionSignal, { request_id: card.requestId, approved: true });
    await cardShowing(card.ts, 'approved');
    await runOutcome(engine.client, runId);
    expect(await activitiesOf(runId)).toEqual([
      'beginRun',
      'postApprovalCard',
      'updateApprovalCard',
      'runTool',
    ]);
  });
});
