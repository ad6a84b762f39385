// What a person does in Slack, end to end: signed requests into the real Bolt HTTP receiver, a real
// worker on the dev server, and the Slack and OpenAI fakes.
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunOutcome } from '../../src/approval/run.js';
import { createSealer } from '../../src/slack/decision-form/index.js';
import { approvalStatusQuery } from '../../src/workflows/messages.js';
import { functionCall, message } from '../fakes/openai.js';
import {
  type Engine,
  isApprovalCard,
  PEOPLE,
  proposal,
  SECURITY_GROUP,
  scriptModel,
  startEngine,
  toolOutputs,
  userText,
  waitForCard,
} from '../support/engine.js';
import {
  askAgent,
  buttonValue,
  notesValues,
  runIdFromAck,
  SIGNING_SECRET,
  type SlackAppHarness,
  startSlackApp,
} from '../support/slack-app.js';

const CHANNEL = 'C0GENERAL';
const archive = (channel: string) =>
  functionCall('archive_channel', proposal({ channel }, 'high', 'Unused for a year.'));

let engine: Engine;
let slack: SlackAppHarness;

beforeAll(async () => {
  engine = await startEngine({
    prefix: 'slack-app',
    env: { APPROVERS: `${PEOPLE.ana.id},${PEOPLE.bob.id},${SECURITY_GROUP}`, APPROVAL_TIMEOUT: '1h' },
  });
  slack = await startSlackApp(engine);
});

afterAll(async () => {
  await slack?.close();
  await engine?.close();
});

/** `/agent <text>` from the requester: returns the run id from the ephemeral acknowledgement. */
function ask(text: string, userId: string = PEOPLE.requester.id): Promise<string> {
  return askAgent(slack.sender, text, userId);
}

async function click(
  card: Awaited<ReturnType<typeof waitForCard>>,
  which: 'approve' | 'reject',
  userId: string,
  value = buttonValue(card.call, which),
) {
  const response = await slack.sender.blockAction({
    actionId: `approval_${which}`,
    value,
    userId,
    channelId: CHANNEL,
    messageTs: card.ts,
  });
  expect(response.status).toBe(200);
}

async function pendingStatus(workflowId: string) {
  return engine.client.workflow.getHandle(workflowId).query(approvalStatusQuery);
}

describe('the person-visible path', () => {
  it('command → card → Approve → modal → notes → card updated → threaded result with the notes', async () => {
    const request = 'archive <#C0OLDAPP|old-app>';
    scriptModel(engine.openai, { [request]: [archive('C0OLDAPP'), message('Archived old-app.')] });
    const runId = await ask(request);
    const card = await waitForCard(engine.slackApi, runId);
    expect(card.call.args.channel).toBe(CHANNEL);

    await click(card, 'approve', PEOPLE.ana.id);
    const opened = await engine.slackApi.waitForCall('views.open', (c) =>
      JSON.stringify(c.args).includes('C0OLDAPP'),
    );
    const view = opened.args.view as { callback_id: string; private_metadata: string; blocks: unknown[] };
    const modalText = JSON.stringify(view.blocks);
    expect(modalText).toContain('archive_channel');
    expect(modalText).toContain('Unused for a year.');
    expect(modalText).toContain(`<@${PEOPLE.requester.id}>`);
    expect(modalText).toContain('Expires');

    const submitted = await slack.sender.viewSubmission({
      callbackId: view.callback_id,
      privateMetadata: view.private_metadata,
      values: notesValues('Checked with the team, go ahead.'),
      userId: PEOPLE.ana.id,
      userName: 'ana',
    });
    expect(submitted.status).toBe(200);
    expect(submitted.text).toBe('');

    const updated = await engine.slackApi.waitForCall('chat.update', (c) => c.args.ts === card.ts);
    const cardText = JSON.stringify(updated.args.blocks);
    expect(cardText).toContain('Approved');
    expect(cardText).toContain(`<@${PEOPLE.ana.id}>`);
    expect(cardText).toContain('Checked with the team, go ahead.');
    expect(cardText).not.toContain('approval_approve');

    const result = await engine.slackApi.waitForCall('chat.postMessage', (c) => c.args.thread_ts === card.ts);
    expect(result.args.channel).toBe(CHANNEL);
    expect(String(result.args.text)).toContain(`<@${PEOPLE.requester.id}>`);
    expect(String(result.args.text)).toContain('Checked with the team, go ahead.');
    expect(String(result.args.text)).toContain('Archived old-app.');
    expect(
      engine.slackApi.callsTo('conversations.archive').filter((c) => c.args.channel === 'C0OLDAPP'),
    ).toHaveLength(1);
    const status = await pendingStatus(card.workflowId);
    expect(status.decision?.reviewer).toEqual({ id: PEOPLE.ana.id, name: 'ana' });
  });

  it('requires a reason to reject: an empty one is a field error, then the reason reaches the model', async () => {
    const request = 'archive <#C0KEEP|keep>';
    scriptModel(engine.openai, { [request]: [archive('C0KEEP'), message('Leaving it alone.')] });
    const runId = await ask(request);
    const card = await waitForCard(engine.slackApi, runId);
    await click(card, 'reject', PEOPLE.bob.id);
    const opened = await engine.slackApi.waitForCall('views.open', (c) =>
      JSON.stringify(c.args).includes('C0KEEP'),
    );
    const view = opened.args.view as { callback_id: string; private_metadata: string };

    const empty = await slack.sender.viewSubmission({
      callbackId: view.callback_id,
      privateMetadata: view.private_metadata,
      values: notesValues('   '),
      userId: PEOPLE.bob.id,
    });
    expect(empty.status).toBe(200);
    expect(empty.json).toMatchObject({
      response_action: 'errors',
      errors: { notes: expect.stringMatching(/why/) },
    });
    expect((await pendingStatus(card.workflowId)).status).toBe('pending');

    await slack.sender.viewSubmission({
      callbackId: view.callback_id,
      privateMetadata: view.private_metadata,
      values: notesValues('Finance still uses it.'),
      userId: PEOPLE.bob.id,
    });
    const result = await engine.slackApi.waitForCall('chat.postMessage', (c) => c.args.thread_ts === card.ts);
    expect(String(result.args.text)).toContain('Finance still uses it.');
    expect(
      engine.slackApi.callsTo('conversations.archive').filter((c) => c.args.channel === 'C0KEEP'),
    ).toHaveLength(0);
    const lastModelCall = engine.openai.requests.filter((r) => userText(r) === request).at(-1);
    expect(lastModelCall && toolOutputs(lastModelCall)[0]).toMatchObject({
      reviewer_notes: 'Finance still uses it.',
    });
  });

  it('runs a low-risk request without any card or modal', async () => {
    const request = 'what is <#C0LOOK|look> about?';
    scriptModel(engine.openai, {
      [request]: [
        functionCall('channel_info', proposal({ channel: 'C0LOOK' })),
        message('It is about looking.'),
      ],
    });
    const runId = await ask(request);
    const reply = await engine.slackApi.waitForCall('chat.postMessage', (c) =>
      String(c.args.text).includes('It is about looking.'),
    );
    expect(reply.args.channel).toBe(CHANNEL);
    expect(reply.args.thread_ts).toBeUndefined();
    const cards = engine.slackApi.calls.filter(
      (c) => isApprovalCard(c) && JSON.stringify(c.args.metadata).includes(runId),
    );
    expect(cards).toHaveLength(0);
  });
});

describe('who may click', () => {
  let card: Awaited<ReturnType<typeof waitForCard>>;

  beforeAll(async () => {
    const request = 'archive <#C0AUTH|auth>';
    scriptModel(engine.openai, { [request]: [archive('C0AUTH'), message('Archived auth.')] });
    card = await waitForCard(engine.slackApi, await ask(request));
  });

  it('tells a non-approver why, opens no modal and signals nothing', async () => {
    const opensBefore = engine.slackApi.callsTo('views.open').length;
    await click(card, 'approve', PEOPLE.mallory.id);
    const told = await engine.slackApi.waitForCall(
      'chat.postEphemeral',
      (c) => c.args.user === PEOPLE.mallory.id,
    );
    expect(String(told.args.text)).toMatch(/not one of the approvers/);
    expect(engine.slackApi.callsTo('views.open')).toHaveLength(opensBefore);
    const status = await pendingStatus(card.workflowId);
    expect(status.status).toBe('pending');
    expect(status.audit.filter((e) => e.type.startsWith('decision'))).toEqual([]);
  });

  it("tells the requester they can't decide their own request", async () => {
    const opensBefore = engine.slackApi.callsTo('views.open').length;
    await click(card, 'approve', PEOPLE.requester.id);
    const told = await engine.slackApi.waitForCall(
      'chat.postEphemeral',
      (c) => c.args.user === PEOPLE.requester.id,
    );
    expect(String(told.args.text)).toMatch(/someone else has to decide/);
    expect(engine.slackApi.callsTo('views.open')).toHaveLength(opensBefore);
  });

  it('refuses a button value edited to point at another approval', async () => {
    const otherRequest = 'archive <#C0OTHER|other>';
    scriptModel(engine.openai, {
      [otherRequest]: [archive('C0OTHER'), message('Archived other.')],
      'archive <#C0AUTH|auth>': [archive('C0AUTH'), message('Archived auth.')],
    });
    const other = await waitForCard(engine.slackApi, await ask(otherRequest));
    const opensBefore = engine.slackApi.callsTo('views.open').length;
    // Bob clicks on the first card, but the value names the other approval.
    await click(card, 'approve', PEOPLE.bob.id, buttonValue(other.call, 'approve'));
    const told = await engine.slackApi.waitForCall(
      'chat.postEphemeral',
      (c) => c.args.user === PEOPLE.bob.id,
    );
    expect(String(told.args.text)).toMatch(/does not belong to this approval card/);
    expect(engine.slackApi.callsTo('views.open')).toHaveLength(opensBefore);
    expect((await pendingStatus(other.workflowId)).status).toBe('pending');
  });

  it('refuses a modal whose private_metadata was altered, and signals nothing', async () => {
    await click(card, 'approve', PEOPLE.bob.id);
    const opened = await engine.slackApi.waitForCall('views.open', (c) =>
      JSON.stringify(c.args).includes('C0AUTH'),
    );
    const view = opened.args.view as { callback_id: string; private_metadata: string };
    const sealed = JSON.parse(view.private_metadata) as { data: string; mac: string };
    const data = JSON.parse(sealed.data) as Record<string, unknown>;
    const altered = JSON.stringify({
      ...sealed,
      data: JSON.stringify({ ...data, workflowId: 'someone-else/approval-1' }),
    });
    const response = await slack.sender.viewSubmission({
      callbackId: view.callback_id,
      privateMetadata: altered,
      values: notesValues('sneaky'),
      userId: PEOPLE.bob.id,
    });
    expect(response.json).toMatchObject({
      response_action: 'errors',
      errors: { notes: expect.stringMatching(/altered/) },
    });
    expect((await pendingStatus(card.workflowId)).status).toBe('pending');
  });

  it('answers a second click after the decision with who decided, and opens nothing', async () => {
    await click(card, 'approve', PEOPLE.ana.id);
    const opened = await engine.slackApi.waitForCall(
      'views.open',
      (c) => JSON.stringify(c.args).includes('C0AUTH') && c.at > Date.now() - 5_000,
    );
    const view = opened.args.view as { callback_id: string; private_metadata: string };
    await slack.sender.viewSubmission({
      callbackId: view.callback_id,
      privateMetadata: view.private_metadata,
      values: notesValues(null),
      userId: PEOPLE.ana.id,
    });
    await engine.slackApi.waitForCall('chat.update', (c) => c.args.ts === card.ts);
    const opensBefore = engine.slackApi.callsTo('views.open').length;
    await click(card, 'reject', PEOPLE.bob.id);
    const told = await engine.slackApi.waitForCall(
      'chat.postEphemeral',
      (c) => c.args.user === PEOPLE.bob.id && String(c.args.text).includes('Already approved'),
    );
    expect(String(told.args.text)).toContain(`<@${PEOPLE.ana.id}>`);
    expect(engine.slackApi.callsTo('views.open')).toHaveLength(opensBefore);
    await engine.slackApi.waitForCall('chat.postMessage', (c) => c.args.thread_ts === card.ts);
    expect(
      engine.slackApi.callsTo('conversations.archive').filter((c) => c.args.channel === 'C0AUTH'),
    ).toHaveLength(1);
  });
});

describe('requests that must change nothing', () => {
  it('refuses a forged signature and a stale timestamp with 401: nothing started, nothing posted', async () => {
    const startedAt = Date.now();
    for (const signing of ['forged', 'stale', 'unsigned'] as const) {
      const response = await slack.sender.slashCommand(
        { text: 'archive <#C0FORGED|forged>', userId: PEOPLE.mallory.id, channelId: CHANNEL },
        signing,
      );
      expect(response.status, signing).toBe(401);
    }
    const click = await slack.sender.blockAction(
      {
        actionId: 'approval_approve',
        value: '{}',
        userId: PEOPLE.mallory.id,
        channelId: CHANNEL,
        messageTs: '1.1',
      },
      'forged',
    );
    expect(click.status).toBe(401);
    // A valid request afterwards is served, so "nothing happened" is not just "not yet".
    scriptModel(engine.openai, { 'archive <#C0AFTER|after>': [message('Not today.')] });
    await ask('archive <#C0AFTER|after>');
    await engine.slackApi.waitForCall('chat.postMessage', (c) => String(c.args.text).includes('Not today.'));
    expect(engine.openai.requests.filter((r) => userText(r).includes('C0FORGED'))).toEqual([]);
    const sinceThen = engine.slackApi.calls.filter((c) => c.at >= startedAt);
    expect(sinceThen.filter((c) => JSON.stringify(c.args).includes(PEOPLE.mallory.id))).toEqual([]);
  });

  it('answers malformed and unknown payloads with 4xx and keeps serving', async () => {
    const broken = await slack.sender.send('payload=%7Bnot-json', 'application/x-www-form-urlencoded');
    expect(broken.status).toBe(400);
    const unknown = await slack.sender.blockAction({
      actionId: 'something_else',
      value: 'x',
      userId: PEOPLE.ana.id,
      channelId: CHANNEL,
      messageTs: '1.1',
    });
    expect(unknown.status).toBeGreaterThanOrEqual(400);
    expect(unknown.status).toBeLessThan(500);
    const help = await slack.sender.slashCommand({ text: 'help', userId: PEOPLE.ana.id, channelId: CHANNEL });
    expect(help.status).toBe(200);
    expect((help.json as { text: string }).text).toContain('/agent status');
  });

  it('shows user text with <!channel> and <@U…> escaped, in the acknowledgement and on the card', async () => {
    const request = `<!channel> archive <#C0ESC|esc> and tell <@${PEOPLE.bob.id}>`;
    scriptModel(engine.openai, { [request]: [archive('C0ESC'), message('<!here> done <@U0BOB>')] });
    const response = await slack.sender.slashCommand({
      text: request,
      userId: PEOPLE.requester.id,
      channelId: CHANNEL,
    });
    const ackText = (response.json as { text: string }).text;
    expect(ackText).toContain('&lt;!channel&gt;');
    expect(ackText).not.toContain('<!channel>');
    const card = await waitForCard(engine.slackApi, runIdFromAck(response.json));
    const cardJson = JSON.stringify(card.call.args.blocks) + String(card.call.args.text);
    expect(cardJson).toContain('&lt;!channel&gt;');
    expect(cardJson).not.toContain('<!channel>');
    const requestSection = (card.call.args.blocks as Array<{ text?: { text: string } }>)[0]?.text?.text ?? '';
    expect(requestSection).toContain(`&lt;@${PEOPLE.bob.id}&gt;`);
    expect(requestSection).not.toContain(`<@${PEOPLE.bob.id}>`);
    await engine.client.workflow.getHandle(card.workflowId).signal('approval_decision', {
      request_id: card.requestId,
      approved: true,
    });
    const result = await engine.slackApi.waitForCall('chat.postMessage', (c) => c.args.thread_ts === card.ts);
    expect(String(result.args.text)).not.toContain('<!here>');
    expect(String(result.args.text)).not.toContain('<@U0BOB>');
  });
});

describe('/agent status and help', () => {
  it('shows where a run stands, and says when there is no such run', async () => {
    const request = 'archive <#C0STAT|stat>';
    scriptModel(engine.openai, { [request]: [archive('C0STAT'), message('ok')] });
    const runId = await ask(request);
    await waitForCard(engine.slackApi, runId);
    const status = await slack.sender.slashCommand({
      text: `status ${runId}`,
      userId: PEOPLE.ana.id,
      channelId: CHANNEL,
    });
    const text = (status.json as { text: string }).text;
    expect(text).toContain(runId);
    expect(text).toContain('waiting for approval');
    expect(text).toContain('archive_channel');
    const missing = await slack.sender.slashCommand({
      text: 'status run-nope',
      userId: PEOPLE.ana.id,
      channelId: CHANNEL,
    });
    expect((missing.json as { text: string }).text).toMatch(/No run with id/);
    const usage = await slack.sender.slashCommand({ text: '', userId: PEOPLE.ana.id, channelId: CHANNEL });
    expect((usage.json as { text: string }).text).toContain('/agent <request>');
  });
});

describe('withdrawing a request', () => {
  it('lets the requester withdraw a pending request: nobody else, nothing runs, the card and thread say so', async () => {
    const request = 'archive <#C0WITHDRAW|withdraw>';
    scriptModel(engine.openai, { [request]: [archive('C0WITHDRAW'), message('never')] });
    const runId = await ask(request);
    const card = await waitForCard(engine.slackApi, runId);

    const byOther = await slack.sender.slashCommand({
      text: `cancel ${runId}`,
      userId: PEOPLE.ana.id,
      channelId: CHANNEL,
    });
    expect((byOther.json as { text: string }).text).toMatch(
      /^:grey_question: No run with id `run-[^`]+` for you\./,
    );
    expect((await pendingStatus(card.workflowId)).status).toBe('pending');

    const byRequester = await slack.sender.slashCommand({
      text: `cancel ${runId}`,
      userId: PEOPLE.requester.id,
      channelId: CHANNEL,
    });
    expect((byRequester.json as { text: string }).text).toMatch(/Withdrawn: run/);
    const outcome = (await engine.client.workflow.getHandle(runId).result()) as RunOutcome;
    expect(outcome).toMatchObject({
      status: 'cancelled',
      reason: expect.stringMatching(/withdrawn by the requester/),
    });
    const updated = await engine.slackApi.waitForCall('chat.update', (c) => c.args.ts === card.ts);
    expect(JSON.stringify(updated.args.blocks)).toContain('Cancelled');
    expect(JSON.stringify(updated.args.blocks)).not.toContain('approval_approve');
    const reply = await engine.slackApi.waitForCall('chat.postMessage', (c) => c.args.thread_ts === card.ts);
    expect(String(reply.args.text)).toContain('withdrawn by the requester');
    expect(
      engine.slackApi.callsTo('conversations.archive').filter((c) => c.args.channel === 'C0WITHDRAW'),
    ).toEqual([]);
    const status = await pendingStatus(card.workflowId);
    expect(status.audit.find((e) => e.type === 'cancelled')).toMatchObject({
      actor: { id: PEOPLE.requester.id },
      details: { withdrawn: true },
    });

    const again = await slack.sender.slashCommand({
      text: `cancel ${runId}`,
      userId: PEOPLE.requester.id,
      channelId: CHANNEL,
    });
    expect((again.json as { text: string }).text).toMatch(/Nothing to withdraw/);
  });
});

describe('the requester’s Withdraw button', () => {
  it('withdraws from the acknowledgement: only for the requester, who is told; the card says so', async () => {
    const request = 'archive <#C0WBUTTON|wbutton>';
    scriptModel(engine.openai, { [request]: [archive('C0WBUTTON'), message('never')] });
    const acknowledged = await slack.sender.slashCommand({
      text: request,
      userId: PEOPLE.requester.id,
      channelId: CHANNEL,
    });
    const runId = runIdFromAck(acknowledged.json);
    const blocks = (
      acknowledged.json as { blocks: Array<{ type: string; elements?: Array<Record<string, unknown>> }> }
    ).blocks;
    const button = blocks.find((b) => b.type === 'actions')?.elements?.[0];
    expect(button).toMatchObject({
      action_id: 'run_withdraw',
      value: runId,
      text: { text: 'Withdraw request' },
    });
    const card = await waitForCard(engine.slackApi, runId);

    const press = async (userId: string) => {
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
      const told = await engine.slackApi.waitForCall('response_url', (c) => c.at >= sentAt);
      return String(told.args.text);
    };
    // Someone who copied the button's value cannot withdraw another person's request.
    expect(await press(PEOPLE.ana.id)).toMatch(/^:grey_question: No run with id `run-[^`]+` for you\./);
    expect((await pendingStatus(card.workflowId)).status).toBe('pending');

    expect(await press(PEOPLE.requester.id)).toMatch(/Withdrawn: run/);
    const outcome = (await engine.client.workflow.getHandle(runId).result()) as RunOutcome;
    expect(outcome.reason).toMatch(/withdrawn by the requester/);
    const updated = await engine.slackApi.waitForCall(
      'chat.update',
      (c) => c.args.ts === card.ts && JSON.stringify(c.args.blocks).includes('Cancelled'),
    );
    expect(JSON.stringify(updated.args.blocks)).not.toContain('approval_approve');
    expect(
      engine.slackApi.callsTo('conversations.archive').filter((c) => c.args.channel === 'C0WBUTTON'),
    ).toEqual([]);
    expect(await press(PEOPLE.requester.id)).toMatch(/Nothing to withdraw/);
  });
});

describe('an expired card', () => {
  let shortEngine: Engine;
  let shortSlack: SlackAppHarness;
  beforeAll(async () => {
    shortEngine = await startEngine({ prefix: 'slack-expiry', env: { APPROVAL_TIMEOUT: '2s' } });
    shortSlack = await startSlackApp(shortEngine);
  });
  afterAll(async () => {
    await shortSlack?.close();
    await shortEngine?.close();
  });

  it('answers a click after expiry with an ephemeral "expired", opens nothing, runs nothing', async () => {
    const request = 'archive <#C0LATE|late>';
    scriptModel(shortEngine.openai, { [request]: [archive('C0LATE'), message('never')] });
    const response = await shortSlack.sender.slashCommand({
      text: request,
      userId: PEOPLE.requester.id,
      channelId: CHANNEL,
    });
    const runId = runIdFromAck(response.json);
    const card = await waitForCard(shortEngine.slackApi, runId);
    const outcome = (await shortEngine.client.workflow.getHandle(runId).result()) as RunOutcome;
    expect(outcome.status).toBe('cancelled');
    await shortSlack.sender.blockAction({
      actionId: 'approval_approve',
      value: buttonValue(card.call, 'approve'),
      userId: PEOPLE.ana.id,
      channelId: CHANNEL,
      messageTs: card.ts,
    });
    const told = await shortEngine.slackApi.waitForCall(
      'chat.postEphemeral',
      (c) => c.args.user === PEOPLE.ana.id,
    );
    expect(String(told.args.text)).toMatch(/expired/);
    expect(shortEngine.slackApi.callsTo('views.open')).toHaveLength(0);
    expect(shortEngine.slackApi.callsTo('conversations.archive')).toHaveLength(0);
  });
});

describe('when no worker is answering at the moment of the click', () => {
  it('holds the click with a placeholder modal and turns it into the decision modal once a worker is back', async () => {
    const request = 'archive <#C0SLOW|slow>';
    scriptModel(engine.openai, { [request]: [archive('C0SLOW'), message('Archived slow.')] });
    const card = await waitForCard(engine.slackApi, await ask(request));
    await engine.stopWorker();
    try {
      const clickedAt = Date.now();
      await click(card, 'approve', PEOPLE.ana.id);
      const placeholder = await engine.slackApi.waitForCall(
        'views.open',
        (c) => c.at >= clickedAt && JSON.stringify(c.args.view).includes('Checking this request'),
      );
      const viewId = (placeholder.response as { view: { id: string } }).view.id;
      await engine.startWorker();
      // As long as the placeholder's budget (12 s): a worker starting on a busy machine takes seconds to answer.
      const updated = await engine.slackApi.waitForCall(
        'views.update',
        (c) => c.args.view_id === viewId && JSON.stringify(c.args.view).includes('C0SLOW'),
        15_000,
      );
      const view = updated.args.view as { callback_id: string; private_metadata: string };
      expect(view.callback_id).toBe('approval_decision_modal');
      await slack.sender.viewSubmission({
        callbackId: view.callback_id,
        privateMetadata: view.private_metadata,
        values: notesValues('after the wait'),
        userId: PEOPLE.ana.id,
      });
      const result = await engine.slackApi.waitForCall(
        'chat.postMessage',
        (c) => c.args.thread_ts === card.ts,
      );
      expect(String(result.args.text)).toContain('Archived slow.');
    } finally {
      if (engine.worker.getState() !== 'RUNNING') await engine.startWorker();
    }
  });
});

describe('when Temporal is unreachable', () => {
  let offline: SlackAppHarness;
  let deadConnection: Connection;
  beforeAll(async () => {
    // Port 1 on loopback: nothing listens, every call is refused. Without the client's gRPC retries (no
    // interceptors), so that no retry timer outlives the connection when the test closes it.
    deadConnection = Connection.lazy({ address: '127.0.0.1:1', interceptors: [] });
    offline = await startSlackApp(engine, new Client({ connection: deadConnection }));
  });
  afterAll(async () => {
    await offline?.close();
    await deadConnection?.close();
  });

  it('acknowledges /agent at once, then says clearly that the run could not be started: never silence', async () => {
    const sentAt = Date.now();
    const response = await offline.sender.slashCommand({
      text: 'archive <#C0DOWN|down>',
      userId: PEOPLE.requester.id,
      channelId: CHANNEL,
    });
    // 200 with our text: acknowledged by the listener, not by Bolt's 3-second fallback (a bare 404).
    expect(response.status).toBe(200);
    const runId = runIdFromAck(response.json);
    const followUp = await engine.slackApi.waitForCall('response_url', (c) => c.at >= sentAt);
    expect(String(followUp.args.text)).toMatch(/could not reach its workflow service/);
    expect(String(followUp.args.text)).toContain(`run \`${runId}\` was not started`);
    expect(followUp.args.response_type).toBe('ephemeral');
  });

  it('tells a reviewer whose click or submission cannot reach Temporal, and records nothing', async () => {
    const request = 'archive <#C0DOWN2|down2>';
    scriptModel(engine.openai, { [request]: [archive('C0DOWN2'), message('ok')] });
    const card = await waitForCard(engine.slackApi, await ask(request));
    const clickedAt = Date.now();
    await offline.sender.blockAction({
      actionId: 'approval_approve',
      value: buttonValue(card.call, 'approve'),
      userId: PEOPLE.ana.id,
      channelId: CHANNEL,
      messageTs: card.ts,
    });
    const told = await engine.slackApi.waitForCall(
      'chat.postEphemeral',
      (c) =>
        c.at >= clickedAt && c.args.user === PEOPLE.ana.id && String(c.args.text).includes('could not reach'),
    );
    expect(told.args.channel).toBe(CHANNEL);
    expect(engine.slackApi.callsTo('views.open').filter((c) => c.at >= clickedAt)).toEqual([]);

    const sealed = createSealer(SIGNING_SECRET).seal({
      workflowId: card.workflowId,
      requestId: card.requestId,
      approved: true,
      digest: (await pendingStatus(card.workflowId)).proposal.digest,
      stage: 1,
    });
    const submitted = await offline.sender.viewSubmission({
      callbackId: 'approval_decision_modal',
      privateMetadata: sealed,
      values: notesValues('fine'),
      userId: PEOPLE.ana.id,
    });
    expect(submitted.json).toMatchObject({
      response_action: 'errors',
      errors: { notes: expect.stringMatching(/could not reach/) },
    });
    expect((await pendingStatus(card.workflowId)).status).toBe('pending');
  });
});
