// Who may ask the agent, and what its cards and results reveal, end to end: signed requests into the real Bolt
// receiver, a real worker on the dev server, the Slack and OpenAI fakes. A run acts with the bot's access, so only
// full members of the workspace (narrowed by REQUESTERS) may start one; what a run reads and names stays within what
// its requester could read in Slack, and its result goes back where they asked, not to an approvals channel.
import { WebClient } from '@slack/web-api';
import { WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIdFor } from '../../src/slack/listeners/commands/agent.js';
import { REQUESTER_REFUSAL_TEXT, type RequesterRefusal } from '../../src/slack/requester-access.js';
import { approvalStatusQuery } from '../../src/workflows/messages.js';
import { functionCall, message } from '../fakes/openai.js';
import { FAKE_SLACK_BOT, type FakeSlackUser } from '../fakes/slack-api.js';
import {
  type Engine,
  PEOPLE,
  proposal,
  runOutcome,
  SECURITY_GROUP,
  scriptModel,
  startEngine,
  toolOutputs,
  userText,
  waitForCard,
} from '../support/engine.js';
import {
  askAgent,
  openDecisionForm,
  runIdFromAck,
  type SlackAppHarness,
  startSlackApp,
  submitDecisionForm,
} from '../support/slack-app.js';

const CHANNEL = 'C0GENERAL';
const APPROVALS_CHANNEL = 'C0APPROVALS';
/** The team the signed sender puts in every slash command. */
const SENDER_TEAM = 'T0TEST';
const HR_TOPIC = 'Layoffs announced Friday';

const GUEST: FakeSlackUser = { id: 'U0GUEST', name: 'gus', isUltraRestricted: true };
const MULTI_GUEST: FakeSlackUser = { id: 'U0MULTI', name: 'mia', isRestricted: true };
const STRANGER: FakeSlackUser = { id: 'U0STRANGER', name: 'stan', teamId: 'T0OTHERCO' };
const BOT: FakeSlackUser = { id: 'U0SOMEBOT', name: 'somebot', isBot: true };
const GONE: FakeSlackUser = { id: 'U0GONE', name: 'gone', deleted: true };

let engine: Engine;
let slack: SlackAppHarness;

beforeAll(async () => {
  engine = await startEngine({
    prefix: 'requesters',
    env: { APPROVERS: PEOPLE.ana.id, APPROVALS_CHANNEL, APPROVAL_TIMEOUT: '1h' },
    users: [GUEST, MULTI_GUEST, STRANGER, BOT, GONE],
    channels: [
      { id: 'C0HRANNOUNCE', name: 'hr-announce', topic: HR_TOPIC, members: [PEOPLE.ana.id] },
      { id: 'C0LOBBY', name: 'lobby', topic: 'welcome, guests', members: [GUEST.id, PEOPLE.ana.id] },
      {
        id: 'G0SECRET',
        name: 'deal-room',
        isPrivate: true,
        members: [PEOPLE.ana.id, FAKE_SLACK_BOT.userId],
      },
      { id: 'G0OURS', name: 'ours', isPrivate: true, members: [PEOPLE.requester.id, FAKE_SLACK_BOT.userId] },
    ],
  });
  slack = await startSlackApp(engine);
});

afterAll(async () => {
  await slack?.close();
  await engine?.close();
});

/** `/agent <text>` from `userId`: the acknowledgement's text, and the run id it would have started as. */
async function command(text: string, userId: string, harness = slack) {
  const triggerId = harness.sender.nextTriggerId();
  const response = await harness.sender.slashCommand({ text, userId, channelId: CHANNEL, triggerId });
  expect(response.status).toBe(200);
  expect(response.json).toMatchObject({ response_type: 'ephemeral' });
  return { text: (response.json as { text: string }).text, runId: runIdFor(SENDER_TEAM, triggerId) };
}

async function runExists(runId: string): Promise<boolean> {
  try {
    await engine.client.workflow.getHandle(runId).describe();
    return true;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

/** An allowed request, finished: what was refused before it had its chance to start too. */
async function afterAnAllowedRun(harness = slack) {
  const request = `what time is it? (${harness.sender.nextTriggerId()})`;
  scriptModel(engine.openai, { [request]: [message('Lunch time.')] });
  const runId = await askAgent(harness.sender, request, PEOPLE.ana.id);
  expect((await runOutcome(engine.client, runId)).status).toBe('completed');
}

describe('who may ask the agent', () => {
  it.each<[string, FakeSlackUser, RequesterRefusal]>([
    ['a single-channel guest', GUEST, 'guest'],
    ['a multi-channel guest', MULTI_GUEST, 'guest'],
    ['a Slack Connect user of another organisation', STRANGER, 'other_workspace'],
    ['a bot', BOT, 'bot'],
    ['a deactivated account', GONE, 'deactivated'],
  ])('refuses %s with one line, and starts nothing', async (_who, person, reason) => {
    const request = `what is the topic of <#C0HRANNOUNCE|hr-announce>? (asked by ${person.id})`;
    scriptModel(engine.openai, {
      [request]: [functionCall('channel_info', proposal({ channel: 'C0HRANNOUNCE' })), message(HR_TOPIC)],
    });
    const { text, runId } = await command(request, person.id);
    expect(text).toBe(REQUESTER_REFUSAL_TEXT[reason]);

    await afterAnAllowedRun();
    expect(await runExists(runId)).toBe(false);
    expect(engine.openai.requests.filter((r) => userText(r) === request)).toEqual([]);
    const shown = engine.slackApi.calls.filter((c) => JSON.stringify(c.args).includes(HR_TOPIC));
    expect(shown).toEqual([]);
  });

  it('refuses when Slack cannot say who is asking, and starts nothing', async () => {
    engine.slackApi.fail('users.info', { kind: 'error', error: 'internal_error' });
    const request = 'what is the topic of <#C0HRANNOUNCE|hr-announce>? (unverifiable)';
    const { text, runId } = await command(request, PEOPLE.requester.id);
    expect(text).toBe(REQUESTER_REFUSAL_TEXT.unverifiable);
    await afterAnAllowedRun();
    expect(await runExists(runId)).toBe(false);
  });

  it('still answers a guest’s help, status and cancel by their own rules', async () => {
    const help = await command('help', GUEST.id);
    expect(help.text).toMatch(/ask the agent to do something/);
    const status = await command('status run-AAAAAAAAAAAA', GUEST.id);
    expect(status.text).toMatch(/No run with id/);
  });

  it('waits for a slow Slack after acknowledging, then starts the run through the response_url', async () => {
    // Slack rate-limits users.info for 3 s: the client waits it out, past the acknowledgement's budget.
    engine.slackApi.fail('users.info', { kind: 'rate_limited', retryAfterSeconds: 3 });
    const request = 'what time is it, slowly?';
    scriptModel(engine.openai, { [request]: [message('Still lunch time.')] });
    const sentAt = Date.now();
    const { text, runId } = await command(request, PEOPLE.requester.id);
    expect(text).toMatch(/Checking with Slack that you may ask the agent/);
    const followUp = await engine.slackApi.waitForCall(
      'response_url',
      (c) => c.at >= sentAt && String(c.args.text).includes('On it'),
      15_000,
    );
    expect(runIdFromAck(followUp.args)).toBe(runId);
    expect((await runOutcome(engine.client, runId)).status).toBe('completed');
  });
});

describe('REQUESTERS narrows who may ask', () => {
  let narrowed: SlackAppHarness;
  beforeAll(async () => {
    narrowed = await startSlackApp(engine, engine.client, {
      REQUESTERS: `${PEOPLE.ana.id},${SECURITY_GROUP}`,
    });
  });
  afterAll(() => narrowed?.close());

  it('refuses a full member it does not list, and starts nothing', async () => {
    const { text, runId } = await command('what time is it? (not listed)', PEOPLE.requester.id, narrowed);
    expect(text).toBe(REQUESTER_REFUSAL_TEXT.not_listed);
    await afterAnAllowedRun(narrowed);
    expect(await runExists(runId)).toBe(false);
  });

  it('lets a member of a listed user group ask, until they leave the group', async () => {
    const request = 'what time is it? (a group member)';
    scriptModel(engine.openai, { [request]: [message('Group lunch time.')] });
    const runId = await askAgent(narrowed.sender, request, PEOPLE.security.id);
    expect((await runOutcome(engine.client, runId)).status).toBe('completed');

    const admin = new WebClient('xoxb-admin', { slackApiUrl: engine.slackApi.url });
    await admin.usergroups.users.update({ usergroup: SECURITY_GROUP, users: PEOPLE.bob.id });
    try {
      const { text } = await command('what time is it? (left the group)', PEOPLE.security.id, narrowed);
      expect(text).toBe(REQUESTER_REFUSAL_TEXT.not_listed);
    } finally {
      await admin.usergroups.users.update({ usergroup: SECURITY_GROUP, users: PEOPLE.security.id });
    }
  });

  it('still refuses a guest it lists by name: only full members may ask at all', async () => {
    const listsGuest = await startSlackApp(engine, engine.client, { REQUESTERS: GUEST.id });
    try {
      const { text } = await command('what time is it? (listed guest)', GUEST.id, listsGuest);
      expect(text).toBe(REQUESTER_REFUSAL_TEXT.guest);
    } finally {
      await listsGuest.close();
    }
  });
});

describe('reads on a guest’s behalf go no further than the guest could see', () => {
  // A run started before this check existed, or through Temporal itself: channel_info checks its requester too.
  it('refuses a public channel the guest is not in, and looks up one they are in', async () => {
    const request = 'what are hr-announce and lobby about?';
    scriptModel(engine.openai, {
      [request]: [
        functionCall('channel_info', proposal({ channel: 'C0HRANNOUNCE' })),
        functionCall('channel_info', proposal({ channel: 'C0LOBBY' })),
        message('Looked.'),
      ],
    });
    const run = await engine.startRun(request, { requester: { id: GUEST.id, name: GUEST.name } });
    const outcome = await runOutcome(engine.client, run.workflowId);
    expect(outcome.actions).toMatchObject([
      { tool: 'channel_info', ok: false },
      { tool: 'channel_info', ok: true },
    ]);
    const toModel = engine.openai.requests.filter((r) => userText(r) === request).at(-1);
    const outputs = toModel ? toolOutputs(toModel) : [];
    expect(outputs[0]).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/No channel with this id that the requester can see/),
    });
    expect(outputs[1]).toMatchObject({ status: 'done', data: { name: 'lobby' } });
    expect(JSON.stringify(engine.openai.requests)).not.toContain(HR_TOPIC);
  });
});

describe('what a card and a result reveal', () => {
  it('names on the card only the conversations the requester could see; the others show as IDs', async () => {
    const card = async (channel: string) => {
      const request = `post the plan in ${channel}`;
      scriptModel(engine.openai, {
        [request]: [
          functionCall('post_message', proposal({ channel, text: 'The plan.' }, 'medium')),
          message('Posted.'),
        ],
      });
      return waitForCard(engine.slackApi, await askAgent(slack.sender, request));
    };
    const theirs = await card('G0OURS');
    expect(JSON.stringify(theirs.call.args)).toContain('#ours (`G0OURS`)');

    const notTheirs = await card('G0SECRET');
    const shownOnCard = JSON.stringify(notTheirs.call.args);
    expect(shownOnCard).toContain('`G0SECRET` (name unknown)');
    expect(shownOnCard).not.toContain('deal-room');
    const form = await openDecisionForm(slack, engine.slackApi, notTheirs, 'approve', PEOPLE.ana.id);
    expect(JSON.stringify(form)).toContain('G0SECRET');
    expect(JSON.stringify(form)).not.toContain('deal-room');
    const status = await engine.client.workflow.getHandle(notTheirs.workflowId).query(approvalStatusQuery);
    expect(status.labels).toEqual({});
  });

  it('posts the result where the requester asked, mentioning them, not in the approvals channel’s thread', async () => {
    const request = 'archive <#C0OLDSTUFF|old-stuff>';
    scriptModel(engine.openai, {
      [request]: [
        functionCall('archive_channel', proposal({ channel: 'C0OLDSTUFF' }, 'high')),
        message('Archived old-stuff; its last message was about the merger.'),
      ],
    });
    const runId = await askAgent(slack.sender, request);
    const card = await waitForCard(engine.slackApi, runId);
    expect(card.call.args.channel).toBe(APPROVALS_CHANNEL);
    const form = await openDecisionForm(slack, engine.slackApi, card, 'approve', PEOPLE.ana.id);
    await submitDecisionForm(slack, form, PEOPLE.ana.id, 'ok');
    expect((await runOutcome(engine.client, runId)).status).toBe('completed');

    const results = engine.slackApi
      .callsTo('chat.postMessage')
      .filter((c) => String(c.args.text).includes('its last message was about the merger'));
    expect(results).toHaveLength(1);
    expect(results[0]?.args).toMatchObject({ channel: CHANNEL });
    expect(results[0]?.args.thread_ts).toBeUndefined();
    expect(String(results[0]?.args.text)).toContain(`<@${PEOPLE.requester.id}>`);
    const inApprovals = engine.slackApi
      .callsTo('chat.postMessage')
      .filter((c) => c.args.channel === APPROVALS_CHANNEL && c.args.thread_ts === card.ts);
    expect(inApprovals.map((c) => String(c.args.text)).join('\n')).not.toContain('merger');
  });
});
