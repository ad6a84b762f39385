// Reads and withdrawals only for the people they belong to, end to end: signed requests into the real Bolt
// receiver, a real worker on the dev server, the Slack and OpenAI fakes. A run id is printed on every card, so
// knowing one must reveal nothing; and a low-risk read must not lend the bot's access to the requester.
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunOutcome } from '../../src/approval/run.js';
import { approvalStatusQuery } from '../../src/workflows/messages.js';
import { functionCall, message } from '../fakes/openai.js';
import { FAKE_SLACK_BOT } from '../fakes/slack-api.js';
import {
  type Engine,
  PEOPLE,
  proposal,
  runOutcome,
  scriptModel,
  startEngine,
  toolOutputs,
  userText,
  waitForCard,
} from '../support/engine.js';
import { askAgent, type SlackAppHarness, startSlackApp } from '../support/slack-app.js';

const CHANNEL = 'C0GENERAL';
/** Slack wants the acknowledgement within 3 s; Bolt answers on its own (a bare 404) at 3001 ms. */
const SLACK_ACK_MS = 3_000;
const SECRET_TOPIC = 'the merger with Initech';
const OPEN_TOPIC = 'lunch plans, all welcome';

let engine: Engine;
let slack: SlackAppHarness;

beforeAll(async () => {
  engine = await startEngine({
    prefix: 'access',
    env: { APPROVERS: `${PEOPLE.ana.id},${PEOPLE.bob.id}`, APPROVAL_TIMEOUT: '1h' },
    channels: [
      {
        id: 'G0SECRET',
        name: 'deal-room',
        topic: SECRET_TOPIC,
        isPrivate: true,
        members: [PEOPLE.ana.id, FAKE_SLACK_BOT.userId],
      },
      { id: 'C0OPEN', name: 'lunch', topic: OPEN_TOPIC, members: [PEOPLE.ana.id] },
    ],
  });
  slack = await startSlackApp(engine);
});

afterAll(async () => {
  await slack?.close();
  await engine?.close();
});

/** `/agent <text>` from `userId`: the ephemeral answer's text and how long the acknowledgement took. */
async function command(text: string, userId: string, harness = slack) {
  const sentAt = Date.now();
  const response = await harness.sender.slashCommand({ text, userId, channelId: CHANNEL });
  const tookMs = Date.now() - sentAt;
  expect(response.status).toBe(200);
  expect(response.json).toMatchObject({ response_type: 'ephemeral' });
  return { text: (response.json as { text: string }).text, tookMs, sentAt };
}

/** The Withdraw button on an acknowledgement, pressed by `userId`: what they are told via the response_url. */
async function pressWithdraw(runId: string, userId: string): Promise<string> {
  const sentAt = Date.now();
  const response = await slack.sender.blockAction({
    actionId: 'run_withdraw',
    value: runId,
    userId,
    channelId: CHANNEL,
    messageTs: '1700000000.000100',
    ephemeral: true,
  });
  expect(response.status).toBe(200);
  const told = await engine.slackApi.waitForCall(
    'response_url',
    (c) => c.at >= sentAt && JSON.stringify(c.args).includes(runId),
  );
  return String(told.args.text);
}

/** The text with one run id replaced, to compare answers about different ids. */
const withoutId = (text: string, runId: string) => text.replaceAll(runId, '<id>');

const archive = (channel: string) =>
  functionCall('archive_channel', proposal({ channel }, 'high', 'Unused for a year.'));

async function pendingStatus(workflowId: string) {
  return engine.client.workflow.getHandle(workflowId).query(approvalStatusQuery);
}

describe('a run id reveals nothing to someone the run does not belong to', () => {
  const request = 'archive <#C0PRIVACY|privacy-project>';
  let runId: string;
  let card: Awaited<ReturnType<typeof waitForCard>>;
  const unknownId = 'run-AAAAAAAAAAAA';

  beforeAll(async () => {
    scriptModel(engine.openai, { [request]: [archive('C0PRIVACY'), message('Archived it.')] });
    runId = await askAgent(slack.sender, request);
    card = await waitForCard(engine.slackApi, runId);
    expect(unknownId).toHaveLength(runId.length);
  });

  /** Nothing of the request: not who asked, not the tool, not what they asked for. */
  function expectNothingRevealed(text: string) {
    for (const secret of [
      PEOPLE.requester.id,
      PEOPLE.requester.name,
      'archive_channel',
      'C0PRIVACY',
      'privacy',
    ]) {
      expect(text).not.toContain(secret);
    }
  }

  it('answers a stranger’s status and cancel exactly as it answers an id that names no run', async () => {
    const unknownStatus = await command(`status ${unknownId}`, PEOPLE.mallory.id);
    const unknownCancel = await command(`cancel ${unknownId}`, PEOPLE.mallory.id);
    expect(unknownStatus.text).toMatch(/No run with id/);

    for (const stranger of [PEOPLE.mallory.id, PEOPLE.security.id]) {
      const status = await command(`status ${runId}`, stranger);
      expect(withoutId(status.text, runId)).toBe(withoutId(unknownStatus.text, unknownId));
      expectNothingRevealed(status.text);

      const cancel = await command(`cancel ${runId}`, stranger);
      expect(withoutId(cancel.text, runId)).toBe(withoutId(unknownCancel.text, unknownId));
      expectNothingRevealed(cancel.text);
    }
    expect((await pendingStatus(card.workflowId)).status).toBe('pending');
  });

  it('answers a stranger pressing a copied Withdraw button the same way, and withdraws nothing', async () => {
    const told = await pressWithdraw(runId, PEOPLE.mallory.id);
    const unknown = await pressWithdraw(unknownId, PEOPLE.mallory.id);
    expect(withoutId(told, runId)).toBe(withoutId(unknown, unknownId));
    expectNothingRevealed(told);
    expect((await pendingStatus(card.workflowId)).status).toBe('pending');
  });

  it('does not let an approver withdraw someone else’s request either', async () => {
    const cancel = await command(`cancel ${runId}`, PEOPLE.ana.id);
    const unknown = await command(`cancel ${unknownId}`, PEOPLE.ana.id);
    expect(withoutId(cancel.text, runId)).toBe(withoutId(unknown.text, unknownId));
    expect((await pendingStatus(card.workflowId)).status).toBe('pending');
  });

  it('shows the status to an approver of the request', async () => {
    const { text } = await command(`status ${runId}`, PEOPLE.bob.id);
    expect(text).toContain(runId);
    expect(text).toContain('waiting for approval');
    expect(text).toContain('archive_channel');
    expect(text).toContain(`<@${PEOPLE.requester.id}>`);
  });

  it('shows the status to the requester, who can cancel; the run stops and nothing is archived', async () => {
    const status = await command(`status ${runId}`, PEOPLE.requester.id);
    expect(status.text).toContain('waiting for approval');
    const cancel = await command(`cancel ${runId}`, PEOPLE.requester.id);
    expect(cancel.text).toMatch(/Withdrawn: run/);
    const outcome = await runOutcome(engine.client, runId);
    expect(outcome).toMatchObject({ status: 'cancelled', reason: expect.stringMatching(/withdrawn/) });
    expect(
      engine.slackApi.callsTo('conversations.archive').filter((c) => c.args.channel === 'C0PRIVACY'),
    ).toEqual([]);
    // An approver still reads the finished run; a stranger still reads nothing.
    expect((await command(`status ${runId}`, PEOPLE.ana.id)).text).toContain('cancelled');
    expectNothingRevealed((await command(`status ${runId}`, PEOPLE.mallory.id)).text);
  });
});

describe('every answer inside Slack’s 3 seconds', () => {
  it('when Temporal is unreachable: status and cancel are answered, in time, that it could not be reached', async () => {
    // Port 1 on loopback: nothing listens. No gRPC retry interceptors, so nothing outlives the test.
    const dead = Connection.lazy({ address: '127.0.0.1:1', interceptors: [] });
    const offline = await startSlackApp(engine, new Client({ connection: dead }));
    try {
      for (const text of ['status run-AAAAAAAAAAAA', 'cancel run-AAAAAAAAAAAA']) {
        const answer = await command(text, PEOPLE.requester.id, offline);
        expect(answer.tookMs).toBeLessThan(SLACK_ACK_MS);
        expect(answer.text).toMatch(/could not reach its workflow service/);
      }
    } finally {
      await offline.close();
      await dead.close();
    }
  });

  it('when Temporal is slow (no worker answers queries): acknowledged at once, the answer follows', async () => {
    const request = 'archive <#C0SLOWCANCEL|slow-cancel>';
    scriptModel(engine.openai, { [request]: [archive('C0SLOWCANCEL'), message('never')] });
    const runId = await askAgent(slack.sender, request);
    const card = await waitForCard(engine.slackApi, runId);
    await engine.stopWorker();
    try {
      const answer = await command(`cancel ${runId}`, PEOPLE.requester.id);
      expect(answer.tookMs).toBeLessThan(SLACK_ACK_MS);
      expect(answer.text).toMatch(/Checking with Countersign/);
      await engine.startWorker();
      const followUp = await engine.slackApi.waitForCall(
        'response_url',
        (c) => c.at >= answer.sentAt && String(c.args.text).includes(runId),
        15_000,
      );
      expect(String(followUp.args.text)).toMatch(/Withdrawn: run/);
      expect(followUp.args.response_type).toBe('ephemeral');
      const outcome = await runOutcome(engine.client, runId);
      expect(outcome.status).toBe('cancelled');
      expect((await pendingStatus(card.workflowId)).status).toBe('cancelled');
    } finally {
      if (engine.worker.getState() !== 'RUNNING') await engine.startWorker();
    }
  });
});

describe('channel_info reads only what the requester could read', () => {
  /** The run's outcome, once its reply is in Slack (the run starts just after the acknowledgement). */
  async function outcomeOf(runId: string, reply: string): Promise<RunOutcome> {
    await engine.slackApi.waitForCall('chat.postMessage', (c) => String(c.args.text).includes(reply));
    return await runOutcome(engine.client, runId);
  }

  /** Everything the model was sent, and everything posted or updated in Slack, as one string. */
  function everythingShown(): string {
    const toModel = engine.openai.requests.map((r) => JSON.stringify(r.body));
    const toSlack = engine.slackApi.calls
      .filter((c) =>
        ['chat.postMessage', 'chat.update', 'chat.postEphemeral', 'response_url'].includes(c.method),
      )
      .map((c) => JSON.stringify(c.args));
    return [...toModel, ...toSlack].join('\n');
  }

  it('refuses a private channel the requester is not in: neither the model nor Slack sees anything of it', async () => {
    const request = 'what is <#G0SECRET> about?';
    scriptModel(engine.openai, {
      [request]: [
        functionCall('channel_info', proposal({ channel: 'G0SECRET' })),
        message('I could not look that channel up.'),
      ],
    });
    const runId = await askAgent(slack.sender, request);
    const outcome = await outcomeOf(runId, 'I could not look that channel up.');
    expect(outcome.actions).toMatchObject([{ tool: 'channel_info', ok: false }]);
    const toModel = engine.openai.requests.filter((r) => userText(r) === request).at(-1);
    expect(toModel && toolOutputs(toModel)[0]).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/No channel with this id that the requester can see/),
    });
    const shown = everythingShown();
    expect(shown).not.toContain(SECRET_TOPIC);
    expect(shown).not.toContain('deal-room');
  });

  it('looks up the same private channel for a member', async () => {
    const request = 'what is <#G0SECRET> about, for a member?';
    scriptModel(engine.openai, {
      [request]: [functionCall('channel_info', proposal({ channel: 'G0SECRET' })), message('Looked.')],
    });
    const runId = await askAgent(slack.sender, request, PEOPLE.ana.id);
    await outcomeOf(runId, 'Looked.');
    const toModel = engine.openai.requests.filter((r) => userText(r) === request).at(-1);
    expect(toModel && toolOutputs(toModel)[0]).toMatchObject({
      status: 'done',
      data: { topic: SECRET_TOPIC },
    });
  });

  it('looks up a public channel for anyone, as before', async () => {
    const request = 'what is <#C0OPEN> about?';
    scriptModel(engine.openai, {
      [request]: [functionCall('channel_info', proposal({ channel: 'C0OPEN' })), message('Lunch.')],
    });
    const runId = await askAgent(slack.sender, request);
    const outcome = await outcomeOf(runId, 'Lunch.');
    expect(outcome.actions).toMatchObject([{ tool: 'channel_info', ok: true }]);
    const toModel = engine.openai.requests.filter((r) => userText(r) === request).at(-1);
    expect(toModel && toolOutputs(toModel)[0]).toMatchObject({
      status: 'done',
      data: { name: 'lunch', topic: OPEN_TOPIC },
    });
  });
});

describe('a request anyone may approve', () => {
  let open: Engine;
  let openSlack: SlackAppHarness;
  beforeAll(async () => {
    open = await startEngine({ prefix: 'access-anyone', env: { APPROVAL_TIMEOUT: '1h' } });
    openSlack = await startSlackApp(open);
  });
  afterAll(async () => {
    await openSlack?.close();
    await open?.close();
  });

  it('is not readable by the whole workspace: only by the requester and whoever decided', async () => {
    const request = 'archive <#C0ANYONE|anyone>';
    scriptModel(open.openai, { [request]: [archive('C0ANYONE'), message('Archived anyone.')] });
    const runId = await askAgent(openSlack.sender, request);
    const card = await waitForCard(open.slackApi, runId);
    const statusBy = async (userId: string) => (await command(`status ${runId}`, userId, openSlack)).text;

    expect(await statusBy(PEOPLE.ana.id)).toMatch(/No run with id/);
    expect(await statusBy(PEOPLE.requester.id)).toContain('waiting for approval');

    await open.client.workflow.getHandle(card.workflowId).signal('approval_decision', {
      request_id: card.requestId,
      approved: true,
      reviewer: { id: PEOPLE.ana.id, name: PEOPLE.ana.name },
    });
    await open.slackApi.waitForCall('chat.postMessage', (c) => c.args.thread_ts === card.ts);
    expect(await statusBy(PEOPLE.ana.id)).toContain('completed');
    expect(await statusBy(PEOPLE.bob.id)).toMatch(/No run with id/);
  });
});
