// The approver's inbox in App Home and `/agent pending`, end to end: signed Slack requests into the real Bolt
// receiver, a real worker on the dev server (its approvals found through their search attributes), the fakes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { functionCall, message } from '../fakes/openai.js';
import type { SlackCall } from '../fakes/slack-api.js';
import {
  type Engine,
  PEOPLE,
  policyFile,
  proposal,
  runOutcome,
  scriptModel,
  startEngine,
  waitForCard,
} from '../support/engine.js';
import {
  askAgent,
  clickInHome,
  notesValues,
  type SentBlock,
  type SlackAppHarness,
  startSlackApp,
} from '../support/slack-app.js';

const GUEST = { id: 'U0GUEST', name: 'gus' };

let engine: Engine;
let slack: SlackAppHarness;

beforeAll(async () => {
  // Ana decides archives, Bob topics: each inbox must show only its own.
  const policy = policyFile({
    default: { approvers: [PEOPLE.ana.id], timeout: '1h' },
    tools: { set_channel_topic: { approvers: [PEOPLE.bob.id] } },
  });
  engine = await startEngine({
    prefix: 'inbox',
    env: { POLICY_FILE: policy },
    users: [{ ...GUEST, isRestricted: true }],
  });
  slack = await startSlackApp(engine);
});

afterAll(async () => {
  await slack?.close();
  await engine?.close();
});

/** Opens the Home tab as `userId` and returns the view the app published for them (a new one, not an older). */
async function openHome(userId: string): Promise<{ id: string; blocks: SentBlock[]; text: string }> {
  const since = Date.now();
  const opened = await slack.sender.appHomeOpened(userId);
  expect(opened.status).toBe(200);
  const published = await engine.slackApi.waitForCall(
    'views.publish',
    (c) => c.args.user_id === userId && c.at >= since,
  );
  const view = (published.response as { view: { id: string; blocks: SentBlock[] } }).view;
  return { ...view, text: JSON.stringify(view.blocks) };
}

/** The "Waiting on you" part of a Home view: everything before the divider. */
function waitingPart(home: { blocks: SentBlock[] }): string {
  const divider = home.blocks.findIndex((b) => b.type === 'divider');
  return JSON.stringify(home.blocks.slice(0, divider));
}

async function ask(text: string, call: ReturnType<typeof functionCall>, answer: string) {
  scriptModel(engine.openai, { [text]: [call, message(answer)] });
  const runId = await askAgent(slack.sender, text);
  return { runId, card: await waitForCard(engine.slackApi, runId) };
}

const isResult = (card: { ts: string }) => (c: SlackCall) =>
  c.args.thread_ts === card.ts && String(c.args.text).length > 0;

describe('App Home: the approver’s inbox', () => {
  it('lists exactly what the viewer may decide, and the requester’s own requests with Withdraw', async () => {
    const archive = await ask(
      'archive <#C0HOMEA|home-a>',
      functionCall('archive_channel', proposal({ channel: 'C0HOMEA' }, 'high')),
      'Archived home-a.',
    );
    const topic = await ask(
      'set the topic of <#C0HOMEB|home-b> to Launch day',
      functionCall('set_channel_topic', proposal({ channel: 'C0HOMEB', topic: 'Launch day' }, 'medium')),
      'Topic set.',
    );

    const ana = await openHome(PEOPLE.ana.id);
    expect(waitingPart(ana)).toContain(archive.card.requestId);
    expect(waitingPart(ana)).toContain('archive_channel');
    expect(waitingPart(ana)).not.toContain(topic.card.requestId);

    const bob = await openHome(PEOPLE.bob.id);
    expect(waitingPart(bob)).toContain(topic.card.requestId);
    expect(waitingPart(bob)).not.toContain(archive.card.requestId);

    // Neither an approver nor a requester: nothing, and nothing of others' requests.
    const mallory = await openHome(PEOPLE.mallory.id);
    expect(mallory.text).toContain('Nothing waits on you.');
    expect(mallory.text).not.toContain('archive_channel');
    expect(mallory.text).not.toContain('set_channel_topic');

    // A guest can never decide: the Home says so instead of listing.
    const guest = await openHome(GUEST.id);
    expect(guest.text).toContain('Guests cannot decide');

    // The requester may not approve their own request, but sees both under their requests, each with Withdraw.
    const rita = await openHome(PEOPLE.requester.id);
    expect(waitingPart(rita)).not.toContain(archive.card.requestId);
    expect(rita.text).toContain('to Launch day');
    for (const { runId } of [archive, topic]) {
      expect(rita.text).toContain(`"action_id":"run_withdraw"`);
      expect(rita.text).toContain(runId);
    }

    // Withdrawing from Home: the request ends, nothing runs, and the Home shows it withdrawn.
    await clickInHome(slack, PEOPLE.requester.id, rita, 'run_withdraw', topic.runId);
    expect((await runOutcome(engine.client, topic.runId)).status).toBe('cancelled');
    const after = await engine.slackApi.waitForCall(
      'views.publish',
      (c) => c.args.user_id === PEOPLE.requester.id && JSON.stringify(c.args.view).includes('cancelled'),
    );
    expect(JSON.stringify(after.args.view)).toContain(':no_entry_sign: cancelled');
    expect(engine.slackApi.callsTo('conversations.setTopic')).toHaveLength(0);

    // `/agent pending` answers with the same list, only to the person asking.
    const sent = await slack.sender.slashCommand({
      text: 'pending',
      userId: PEOPLE.ana.id,
      channelId: 'C0GENERAL',
    });
    expect(sent.status).toBe(200);
    const pending = await engine.slackApi.waitForCall(
      'response_url',
      (c) =>
        JSON.stringify(c.args).includes('Waiting on you') &&
        JSON.stringify(c.args).includes(archive.card.requestId),
    );
    expect(pending.args.response_type).toBe('ephemeral');
    expect(JSON.stringify(pending.args)).not.toContain(topic.card.requestId);
  });

  it('decides the card too when approved from App Home, and the Home follows', async () => {
    const { runId, card } = await ask(
      'archive <#C0HOMEC|home-c>',
      functionCall('archive_channel', proposal({ channel: 'C0HOMEC' }, 'high')),
      'Archived home-c.',
    );
    const home = await openHome(PEOPLE.ana.id);
    const triggerId = await clickInHome(slack, PEOPLE.ana.id, home, 'approval_approve', card.requestId);
    const opened = await engine.slackApi.waitForCall('views.open', (c) => c.args.trigger_id === triggerId);
    const form = opened.args.view as { callback_id: string; private_metadata: string };
    expect(form.callback_id).toBe('approval_decision_modal');
    const submitted = await slack.sender.viewSubmission({
      callbackId: form.callback_id,
      privateMetadata: form.private_metadata,
      values: notesValues('from my Home'),
      userId: PEOPLE.ana.id,
    });
    expect(submitted.text).toBe('');

    expect((await runOutcome(engine.client, runId)).status).toBe('completed');
    const updated = await engine.slackApi.waitForCall(
      'chat.update',
      (c) => c.args.ts === card.ts && JSON.stringify(c.args.blocks).includes('Approved'),
    );
    expect(JSON.stringify(updated.args.blocks)).toContain(PEOPLE.ana.id);
    await engine.slackApi.waitForCall('chat.postMessage', isResult(card));
    expect(
      engine.slackApi.callsTo('conversations.archive').filter((c) => c.args.channel === 'C0HOMEC'),
    ).toHaveLength(1);
    // Republished after the decision, without the request it decided.
    const republished = await engine.slackApi.waitForCall(
      'views.publish',
      (c) => c.args.user_id === PEOPLE.ana.id && c.at >= opened.at,
    );
    const divider = (republished.args.view as { blocks: SentBlock[] }).blocks.findIndex(
      (b) => b.type === 'divider',
    );
    expect(
      JSON.stringify((republished.args.view as { blocks: SentBlock[] }).blocks.slice(0, divider)),
    ).not.toContain(card.requestId);
  });
});
