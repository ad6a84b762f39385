// Conversations with the agent, end to end: mentions, the Messages tab, thread replies and the stop button, sent by the
// signed Slack sender in Slack's own envelopes into the real Bolt receiver (HTTP, and Socket-Mode-shaped where the
// deliveries differ: acks and re-deliveries), a real worker on the dev server, and the Slack and OpenAI fakes.
import type { App } from '@slack/bolt';
import { WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESULT_EVENT_TYPE } from '../../src/activities/slack.js';
import type { RunOutcome } from '../../src/approval/run.js';
import { parseConfig, requireSlackCredentials } from '../../src/config.js';
import { createSlackApp } from '../../src/slack/app.js';
import { conversationRunId, type Session, threadRuns } from '../../src/slack/conversations.js';
import { type InFlight, trackInFlight } from '../../src/slack/in-flight.js';
import { registerListeners } from '../../src/slack/listeners/index.js';
import { REQUESTER_REFUSAL_TEXT } from '../../src/slack/requester-access.js';
import { agentStatusQuery, approvalStatusQuery } from '../../src/workflows/messages.js';
import { delayed, functionCall, message, type RecordedOpenAIRequest } from '../fakes/openai.js';
import { FAKE_SLACK_BOT, type FakeSlackUser, type SlackCall } from '../fakes/slack-api.js';
import {
  directMessageEvent,
  mentionEvent,
  sessionStoppedEvent,
  socketModeDelivery,
} from '../fakes/slack-sender.js';
import { type Engine, PEOPLE, proposal, runOutcome, startEngine, waitForCard } from '../support/engine.js';
import {
  askAgent,
  openDecisionForm,
  type SlackAppHarness,
  startSlackApp,
  submitDecisionForm,
} from '../support/slack-app.js';

const CHANNEL = 'C0GENERAL';
const TEAM = 'T0TEST';
const GUEST: FakeSlackUser = { id: 'U0GUEST', name: 'gus', isUltraRestricted: true };
/** Everything a handler does after Slack's ack, awaited: no test waits on a guess of how long "nothing" takes. */
const SETTLE_MS = 10_000;

let engine: Engine;
let slack: SlackAppHarness;
let inFlight: InFlight;

beforeAll(async () => {
  engine = await startEngine({
    prefix: 'conversations',
    env: { APPROVERS: PEOPLE.ana.id, APPROVAL_TIMEOUT: '1h' },
    users: [GUEST],
  });
  slack = await startSlackApp(engine);
  inFlight = trackInFlight(slack.app);
});

afterAll(async () => {
  await slack?.close();
  await engine?.close();
});

// ---------------------------------------------------------------------------------------------------------
// The model, by the request it acts on (the last thing the person wrote), so that a thread's turns each get theirs
// ---------------------------------------------------------------------------------------------------------

type Input = Array<{ role?: string; content?: unknown; type?: string }>;

function inputOf(request: RecordedOpenAIRequest): Input {
  return (request.body?.input ?? []) as Input;
}

/** The last user message the model was given: the request the run acts on. */
function currentRequest(request: RecordedOpenAIRequest): string {
  const last = inputOf(request).findLast((item) => item.role === 'user');
  return typeof last?.content === 'string' ? last.content : '';
}

const scripts = new Map<string, ReturnType<typeof message>[]>();

/** Scripts the model's replies to `request`, one per tool output it has seen. */
function script(request: string, ...replies: ReturnType<typeof message>[]) {
  scripts.set(request, replies);
  engine.openai.otherwise((recorded) => {
    const replies = scripts.get(currentRequest(recorded));
    if (!replies) throw new Error(`no script for "${currentRequest(recorded)}"`);
    const seen = inputOf(recorded).filter((item) => item.type === 'function_call_output').length;
    return replies[Math.min(seen, replies.length - 1)] as ReturnType<typeof message>;
  });
}

const archive = (channel: string) =>
  functionCall('archive_channel', proposal({ channel }, 'high', 'The channel is unused.'));

// ---------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------

function session(channel: string, threadTs: string, via: Session['via'] = 'mention'): Session {
  return { teamId: TEAM, channel, threadTs, via };
}

/** @Countersign <text> in CHANNEL (a new thread, or `threadTs`'s) by `user`, over HTTP: the run id it maps to. */
async function mentionOver(text: string, user: string, threadTs?: string, channel = CHANNEL) {
  const ts = slack.sender.nextMessageTs();
  const body = slack.sender.eventBody(
    mentionEvent({ user, channel, text, ts, ...(threadTs ? { threadTs } : {}) }),
  );
  const sent = await slack.sender.sendEvent(body);
  expect(sent.status).toBe(200);
  return { ts, body, runId: conversationRunId(session(channel, threadTs ?? ts), ts) };
}

/** Waits until the app has finished handling every delivery so far. */
async function settled() {
  expect(await inFlight.drain(SETTLE_MS)).toBe(true);
}

/** The ephemeral lines `user` was sent in `threadTs` so far. */
function ephemeralsTo(user: string, threadTs: string): string[] {
  return engine.slackApi.calls
    .filter((c) => c.method === 'chat.postEphemeral' && c.args.user === user && c.args.thread_ts === threadTs)
    .map((c) => String(c.args.text));
}

/**
 * The run's result as the requester got it in the thread: streamed into the run's agent-session message (the first
 * stream the thread's session started after the run began: a thread holds one run at a time), or, where Slack refused
 * the stream, posted as a message marked as this run's result.
 */
async function resultOf(runId: string): Promise<{ args: Record<string, unknown> }> {
  await runOutcome(engine.client, runId);
  const startedAt = (await engine.client.workflow.getHandle(runId).describe()).startTime.getTime();
  const posted = engine.slackApi.calls.find((c) => {
    const metadata = c.args.metadata as
      | { event_type?: string; event_payload?: { run_id?: string } }
      | undefined;
    return (
      c.method === 'chat.postMessage' &&
      metadata?.event_type === RESULT_EVENT_TYPE &&
      metadata.event_payload?.run_id === runId
    );
  });
  if (posted) return posted;
  const stream = engine.slackApi.calls.find((c) => c.method === 'chat.startStream' && c.at >= startedAt);
  const ts = (stream?.response as { ts?: string } | undefined)?.ts;
  const streamed =
    stream && ts ? engine.slackApi.streamedMessage(String(stream.args.channel), ts) : undefined;
  if (!stream || !streamed || streamed.streaming) throw new Error(`no result of ${runId} in Slack`);
  return { args: { channel: stream.args.channel, thread_ts: stream.args.thread_ts, text: streamed.text } };
}

async function noSuchRun(runId: string) {
  await expect(engine.client.workflow.getHandle(runId).describe()).rejects.toBeInstanceOf(
    WorkflowNotFoundError,
  );
}

function blockTypes(call: SlackCall): string[] {
  return (call.args.blocks as Array<{ type: string }>).map((b) => b.type);
}

// ---------------------------------------------------------------------------------------------------------

describe('a mention', () => {
  it('starts a run as /agent does: the same card in the channel, the answer in the mention’s thread', async () => {
    const request = 'archive <#C0MENTIONED|mentioned>';
    script(request, archive('C0MENTIONED'), message('Archived #mentioned.'));
    const { ts, runId } = await mentionOver(request, PEOPLE.requester.id);

    const card = await waitForCard(engine.slackApi, runId);
    expect(card.call.args.channel).toBe(CHANNEL);
    expect(card.call.args.thread_ts).toBeUndefined();
    // The same card /agent posts for the same request.
    const viaCommand = await waitForCard(engine.slackApi, await askAgent(slack.sender, request));
    expect(blockTypes(card.call)).toEqual(blockTypes(viaCommand.call));
    expect(JSON.stringify(card.call.args.blocks)).toContain(`<@${PEOPLE.requester.id}>`);
    expect(JSON.stringify(card.call.args.blocks)).toContain('approval_approve');

    // The requester is told, only them, in the thread, with the run id and the Withdraw button.
    await settled();
    const [ack] = ephemeralsTo(PEOPLE.requester.id, ts);
    expect(ack).toContain(`Run \`${runId}\``);
    const acked = engine.slackApi.calls.find(
      (c) => c.method === 'chat.postEphemeral' && c.args.thread_ts === ts,
    );
    expect(JSON.stringify(acked?.args.blocks)).toContain(`"action_id":"run_withdraw"`);

    const form = await openDecisionForm(slack, engine.slackApi, card, 'approve', PEOPLE.ana.id);
    expect((await submitDecisionForm(slack, form, PEOPLE.ana.id, 'ok')).status).toBe(200);
    const result = await resultOf(runId);
    expect(result.args).toMatchObject({ channel: CHANNEL, thread_ts: ts });
    expect(String(result.args.text)).toContain('Archived #mentioned.');

    const status = await engine.client.workflow.getHandle(runId).query(agentStatusQuery);
    expect(status.audit.find((e) => e.type === 'request')).toMatchObject({
      actor: { id: PEOPLE.requester.id },
      details: { request, channel: CHANNEL, via: 'mention', thread_ts: ts, earlier_turns: 0 },
    });
    // The model was asked without the mention.
    expect(engine.openai.requests.some((r) => currentRequest(r) === request)).toBe(true);
  });

  it('from a guest starts nothing: they are told why, and no run or model call is made', async () => {
    const asked = engine.openai.requests.length;
    const { ts, runId } = await mentionOver('archive <#C0GUESTED|guested>', GUEST.id);
    await settled();
    expect(ephemeralsTo(GUEST.id, ts)).toEqual([REQUESTER_REFUSAL_TEXT.guest]);
    await noSuchRun(runId);
    expect(engine.openai.requests.length).toBe(asked);
  });

  it('with nothing asked gets a line saying what to write, and starts nothing', async () => {
    const ts = slack.sender.nextMessageTs();
    const body = slack.sender.eventBody(
      mentionEvent({ user: PEOPLE.requester.id, channel: CHANNEL, text: '', ts }),
    );
    await slack.sender.sendEvent(body);
    await settled();
    expect(ephemeralsTo(PEOPLE.requester.id, ts)).toEqual([expect.stringContaining('Tell me what to do')]);
    await noSuchRun(conversationRunId(session(CHANNEL, ts), ts));
  });

  it('retried by Slack over HTTP (the same event, X-Slack-Retry-Num) starts one run', async () => {
    const request = 'what is the topic of <#C0RETRIED|retried>';
    script(request, message('No topic.'));
    const { ts, body, runId } = await mentionOver(request, PEOPLE.requester.id);
    // One retry while the first delivery is being handled, one after its run started.
    expect((await slack.sender.sendEvent(body, { num: 1 })).status).toBe(200);
    await settled();
    expect((await slack.sender.sendEvent(body, { num: 2, reason: 'http_error' })).status).toBe(200);
    await settled();
    await resultOf(runId);
    const runs = await threadRuns(engine.client, session(CHANNEL, ts));
    expect(runs.map((r) => r.runId)).toEqual([runId]);
    expect(ephemeralsTo(PEOPLE.requester.id, ts)).toHaveLength(1);
    expect(engine.openai.requests.filter((r) => currentRequest(r) === request)).toHaveLength(1);
  });

  it('a bot’s, or the app’s own message coming back, never starts a run', async () => {
    const asked = engine.openai.requests.length;
    const ts = slack.sender.nextMessageTs();
    await slack.sender.sendEvent(
      slack.sender.eventBody(
        mentionEvent({
          user: 'U0SOMEBOT',
          botId: 'B0SOMEBOT',
          channel: CHANNEL,
          text: 'archive <#C0X|x>',
          ts,
        }),
      ),
    );
    const own = slack.sender.nextMessageTs();
    await slack.sender.sendEvent(
      slack.sender.eventBody(
        directMessageEvent({
          user: FAKE_SLACK_BOT.userId,
          botId: FAKE_SLACK_BOT.botId,
          text: 'Done.',
          ts: own,
        }),
      ),
    );
    await settled();
    await noSuchRun(conversationRunId(session(CHANNEL, ts), ts));
    await noSuchRun(
      conversationRunId(session(`D${FAKE_SLACK_BOT.userId.slice(1)}`, own, 'messages_tab'), own),
    );
    expect(engine.openai.requests.length).toBe(asked);
    expect(
      engine.slackApi.calls.filter((c) => c.method === 'chat.postEphemeral' && c.args.thread_ts === ts),
    ).toEqual([]);
  });
});

describe('a thread', () => {
  it('goes on when the requester mentions the agent again in it: the model hears the earlier turn', async () => {
    const first = 'what is the topic of <#C0TALK|talk>';
    script(first, message('The topic of #talk is "weekly sync".'));
    const opened = await mentionOver(first, PEOPLE.requester.id);
    await resultOf(opened.runId);

    const second = 'archive it';
    script(second, archive('C0TALK'), message('Archived #talk.'));
    const reply = await mentionOver(second, PEOPLE.requester.id, opened.ts);
    const card = await waitForCard(engine.slackApi, reply.runId);
    const asked = engine.openai.requests.find((r) => currentRequest(r) === second);
    expect(inputOf(asked as RecordedOpenAIRequest).filter((i) => i.role)).toEqual([
      { role: 'user', content: first },
      { role: 'assistant', content: 'The topic of #talk is "weekly sync".' },
      { role: 'user', content: second },
    ]);
    // A new call, gated as usual.
    const form = await openDecisionForm(slack, engine.slackApi, card, 'reject', PEOPLE.ana.id);
    await submitDecisionForm(slack, form, PEOPLE.ana.id, 'not this one');
    const result = await resultOf(reply.runId);
    expect(result.args).toMatchObject({ channel: CHANNEL, thread_ts: opened.ts });
    const status = await engine.client.workflow.getHandle(reply.runId).query(agentStatusQuery);
    expect(status.audit.find((e) => e.type === 'request')?.details).toMatchObject({ earlier_turns: 2 });
  });

  it('never acts on someone else’s message: they are told whose conversation it is, and nothing starts', async () => {
    const first = 'what is the topic of <#C0MINE|mine>';
    script(first, message('No topic.'));
    const opened = await mentionOver(first, PEOPLE.requester.id);
    await resultOf(opened.runId);
    const asked = engine.openai.requests.length;

    const intruder = await mentionOver('archive <#C0MINE|mine>', PEOPLE.bob.id, opened.ts);
    await settled();
    expect(ephemeralsTo(PEOPLE.bob.id, opened.ts)).toEqual([
      expect.stringContaining(`<@${PEOPLE.requester.id}>’s conversation`),
    ]);
    await noSuchRun(intruder.runId);
    expect(engine.openai.requests.length).toBe(asked);
  });
});

describe('the Messages tab', () => {
  const dm = `D${PEOPLE.requester.id.slice(1)}`;

  it('starts a run from a message and answers in its thread; a reply there continues with the earlier turn', async () => {
    const first = 'archive <#C0TABBED|tabbed>';
    script(first, archive('C0TABBED'), message('Archived #tabbed.'));
    const ts = slack.sender.nextMessageTs();
    await slack.sender.sendEvent(
      slack.sender.eventBody(directMessageEvent({ user: PEOPLE.requester.id, text: first, ts })),
    );
    const runId = conversationRunId(session(dm, ts, 'messages_tab'), ts);
    const card = await waitForCard(engine.slackApi, runId);
    // Where /agent's card would go from a DM: APPROVALS_CHANNEL is unset here (approvers also find it in App Home).
    expect(card.call.args.channel).toBe(dm);
    const form = await openDecisionForm(slack, engine.slackApi, card, 'approve', PEOPLE.ana.id);
    // Counted, not refused: a refusal would leave the run waiting (and this test with it) until its timeout.
    const submitted = await submitDecisionForm(slack, form, PEOPLE.ana.id, null);
    expect(submitted.status).toBe(200);
    expect(JSON.stringify(submitted.json ?? {})).not.toContain('"errors"');
    const result = await resultOf(runId);
    expect(result.args).toMatchObject({ channel: dm, thread_ts: ts });

    const second = 'and what did you just do?';
    script(second, message('I archived #tabbed.'));
    const replyTs = slack.sender.nextMessageTs();
    await slack.sender.sendEvent(
      slack.sender.eventBody(
        directMessageEvent({ user: PEOPLE.requester.id, text: second, ts: replyTs, threadTs: ts }),
      ),
    );
    const replyRun = conversationRunId(session(dm, ts, 'messages_tab'), replyTs);
    const answered = await resultOf(replyRun);
    expect(answered.args).toMatchObject({ channel: dm, thread_ts: ts });
    const asked = engine.openai.requests.find((r) => currentRequest(r) === second);
    expect(inputOf(asked as RecordedOpenAIRequest).filter((i) => i.role)).toEqual([
      { role: 'user', content: first },
      { role: 'assistant', content: 'Archived #tabbed.' },
      { role: 'user', content: second },
    ]);
    const status = await engine.client.workflow.getHandle(replyRun).query(agentStatusQuery);
    expect(status.audit.find((e) => e.type === 'request')?.details).toMatchObject({ via: 'messages_tab' });
  });

  it('ignores edits and other message subtypes', async () => {
    const ts = slack.sender.nextMessageTs();
    await slack.sender.sendEvent(
      slack.sender.eventBody(
        directMessageEvent({
          user: PEOPLE.requester.id,
          text: 'archive <#C0EDIT|e>',
          ts,
          subtype: 'message_changed',
        }),
      ),
    );
    await settled();
    await noSuchRun(conversationRunId(session(dm, ts, 'messages_tab'), ts));
  });
});

describe('the stop button', () => {
  it('from the requester withdraws the approval the run waits for: the card says cancelled, nothing runs', async () => {
    const request = 'archive <#C0STOPPED|stopped>';
    script(request, archive('C0STOPPED'), message('never'));
    const { ts, runId } = await mentionOver(request, PEOPLE.requester.id);
    const card = await waitForCard(engine.slackApi, runId);

    // One run per thread at a time: asking again while it waits says so, and starts nothing.
    const meanwhile = await mentionOver('archive <#C0STOPPED|stopped> now', PEOPLE.requester.id, ts);
    await settled();
    expect(ephemeralsTo(PEOPLE.requester.id, ts).at(-1)).toContain(
      `still on your last request in this thread (run \`${runId}\`)`,
    );
    await noSuchRun(meanwhile.runId);

    // Someone else's stop changes nothing.
    await slack.sender.sendEvent(
      slack.sender.eventBody(sessionStoppedEvent({ user: PEOPLE.bob.id, channel: CHANNEL, threadTs: ts })),
    );
    await settled();
    expect(ephemeralsTo(PEOPLE.bob.id, ts)).toEqual([expect.stringContaining('Only')]);
    const pending = await engine.client.workflow.getHandle(card.workflowId).query(approvalStatusQuery);
    expect(pending.status).toBe('pending');

    await slack.sender.sendEvent(
      slack.sender.eventBody(
        sessionStoppedEvent({ user: PEOPLE.requester.id, channel: CHANNEL, threadTs: ts }),
      ),
    );
    const outcome = (await runOutcome(engine.client, runId)) as RunOutcome;
    expect(outcome).toMatchObject({
      status: 'cancelled',
      reason: expect.stringMatching(/withdrawn by the requester/),
    });
    const updated = await engine.slackApi.waitForCall('chat.update', (c) => c.args.ts === card.ts);
    expect(JSON.stringify(updated.args.blocks)).toContain('Cancelled');
    expect(JSON.stringify(updated.args.blocks)).not.toContain('approval_approve');
    const told = await resultOf(runId);
    expect(told.args).toMatchObject({ channel: CHANNEL, thread_ts: ts });
    expect(String(told.args.text)).toContain('withdrawn by the requester');
    await settled();
    expect(ephemeralsTo(PEOPLE.requester.id, ts).at(-1)).toMatch(/Withdrawn: run/);
    expect(
      engine.slackApi.callsTo('conversations.archive').filter((c) => c.args.channel === 'C0STOPPED'),
    ).toEqual([]);
    const approval = await engine.client.workflow.getHandle(card.workflowId).query(approvalStatusQuery);
    expect(approval.audit.find((e) => e.type === 'cancelled')).toMatchObject({
      actor: { id: PEOPLE.requester.id },
      details: { withdrawn: true },
    });
  });
});

describe('the stop button, while the run is not waiting for a person', () => {
  it('stops the run before its next step: the call the model was working on is not run, and the thread says so', async () => {
    const request = 'what is the topic of <#C0BUSY|busy>';
    script(
      request,
      delayed(2_000, functionCall('channel_info', proposal({ channel: 'C0BUSY' }))),
      message('No topic.'),
    );
    const asked = engine.openai.requests.length;
    const { ts, runId } = await mentionOver(request, PEOPLE.requester.id);
    await engine.openai.waitForRequests(asked + 1);
    // Someone else's stop changes nothing; the requester's stops the run.
    for (const user of [PEOPLE.mallory.id, PEOPLE.requester.id]) {
      await slack.sender.sendEvent(
        slack.sender.eventBody(sessionStoppedEvent({ user, channel: CHANNEL, threadTs: ts })),
      );
    }
    await settled();
    expect(ephemeralsTo(PEOPLE.requester.id, ts).at(-1)).toMatch(/^:octagonal_sign: Stopping run/);
    expect(await runOutcome(engine.client, runId)).toMatchObject({
      status: 'cancelled',
      reason: expect.stringMatching(/stopped by the requester/),
      actions: [],
    });
    expect(engine.slackApi.callsTo('conversations.info').filter((c) => c.args.channel === 'C0BUSY')).toEqual(
      [],
    );
    const told = await resultOf(runId);
    expect(told.args).toMatchObject({ channel: CHANNEL, thread_ts: ts });
    expect(String(told.args.text)).toContain('stopped by the requester');
    const status = await engine.client.workflow.getHandle(runId).query(agentStatusQuery);
    expect(status.audit.filter((e) => e.type === 'cancelled')).toEqual([
      expect.objectContaining({ actor: { id: PEOPLE.requester.id }, details: { stopped: true } }),
    ]);
  });
});

describe('Socket Mode', () => {
  let socketApp: App;

  beforeAll(async () => {
    const config = parseConfig({
      SLACK_BOT_TOKEN: 'xoxb-engine-test',
      SLACK_APP_TOKEN: 'xapp-socket-test',
      SLACK_API_URL: engine.slackApi.url,
    });
    requireSlackCredentials(config);
    socketApp = createSlackApp({ slack: config.slack, logLevel: 'error' });
    registerListeners(socketApp, {
      temporal: engine.client,
      taskQueue: engine.taskQueue,
      sealingSecret: 'xoxb-engine-test',
    });
  });

  it('acks a mention at once, starts its run, and starts nothing more when Slack delivers it again', async () => {
    const request = 'what is the topic of <#C0SOCKETED|socketed>';
    script(request, message('No topic.'));
    const ts = slack.sender.nextMessageTs();
    const body = slack.sender.eventBody(
      mentionEvent({ user: PEOPLE.requester.id, channel: CHANNEL, text: request, ts }),
    );
    const first = socketModeDelivery(body);
    await socketApp.processEvent(first.event);
    expect(first.acked).toBe(true);
    const runId = conversationRunId(session(CHANNEL, ts), ts);
    await resultOf(runId);
    const again = socketModeDelivery(body, { num: 1, reason: 'timeout' });
    await socketApp.processEvent(again.event);
    expect(again.acked).toBe(true);
    const runs = await threadRuns(engine.client, session(CHANNEL, ts));
    expect(runs.map((r) => r.runId)).toEqual([runId]);
    expect(engine.openai.requests.filter((r) => currentRequest(r) === request)).toHaveLength(1);
  });
});
