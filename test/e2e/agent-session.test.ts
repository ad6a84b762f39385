// A run asked for in a conversation, as its thread shows it (issue 22, the outbound side): the agent session's status
// and title, the plan streamed with one task per tool call, the answer streamed into the same message, and today's
// posts where Slack refuses the stream. A real worker on the dev server, the Slack and OpenAI fakes, and approvals
// clicked through the signed Slack app into the real Bolt receiver.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentInput } from '../../src/approval/run.js';
import { agentStatusQuery } from '../../src/workflows/messages.js';
import { functionCall, functionCalls, message } from '../fakes/openai.js';
import type { SlackCall } from '../fakes/slack-api.js';
import {
  approvalCardsOf,
  type Engine,
  expectRunsToReplay,
  PEOPLE,
  policyFile,
  proposal,
  runOutcome,
  scriptModel,
  startEngine,
  waitForCard,
} from '../support/engine.js';
import {
  openDecisionForm,
  type SlackAppHarness,
  startSlackApp,
  submitDecisionForm,
} from '../support/slack-app.js';

let engine: Engine;
let slack: SlackAppHarness;

beforeAll(async () => {
  const policy = policyFile({ default: { approvers: [PEOPLE.ana.id], timeout: '1h' } });
  engine = await startEngine({ prefix: 'session', env: { POLICY_FILE: policy } });
  slack = await startSlackApp(engine);
});

afterAll(async () => {
  await slack?.close();
  await engine?.close();
});

const CHANNEL = 'C0GENERAL';
let threads = 0;
/** A fresh thread for each run, as a mention starts one. */
function mentionIn(): NonNullable<AgentInput['session']> {
  threads += 1;
  return {
    channel: CHANNEL,
    threadTs: `1700001000.${String(threads).padStart(6, '0')}`,
    teamId: 'T0TEST',
    via: 'mention',
  };
}

/** The stream calls made into `threadTs`'s stream messages, in order. */
/** A run with a session whose model sets #launch's topic to `topic` (a medium-risk call: it waits), then answers. */
async function topicRun(topic: string, answer: string, callId?: string) {
  const request = `set the topic of <#C0LAUNCH|launch> to ${topic}`;
  scriptModel(engine.openai, {
    [request]: [
      functionCall(
        'set_channel_topic',
        proposal({ channel: 'C0LAUNCH', topic }, 'medium'),
        ...(callId ? [{ callId }] : []),
      ),
      message(answer),
    ],
  });
  const session = mentionIn();
  return { session, run: await engine.startRun(request, { session }) };
}

function streamCalls(threadTs: string): SlackCall[] {
  const start = engine.slackApi
    .callsTo('chat.startStream')
    .filter((c) => c.args.thread_ts === threadTs && c.error === undefined);
  const tss = new Set(start.map((c) => String((c.response as { ts?: string }).ts)));
  return engine.slackApi.calls.filter(
    (c) =>
      (c.method === 'chat.startStream' && c.args.thread_ts === threadTs) ||
      ((c.method === 'chat.appendStream' || c.method === 'chat.stopStream') && tss.has(String(c.args.ts))),
  );
}

/** The message the run's first stream started. */
function firstStreamTs(calls: SlackCall[]): string {
  const started = calls.find((c) => c.method === 'chat.startStream' && c.error === undefined);
  return String((started?.response as { ts?: string } | undefined)?.ts);
}

/** Each state one task showed, in order, across the stream's calls. */
function taskTitles(calls: SlackCall[], id: string): string[] {
  return calls.flatMap((c) =>
    ((c.args.chunks ?? []) as Array<{ type: string; id?: string; title?: string }>)
      .filter((chunk) => chunk.type === 'task_update' && chunk.id === id)
      .map((chunk) => String(chunk.title)),
  );
}

function resultPosts(runId: string): SlackCall[] {
  return engine.slackApi.callsTo('chat.postMessage').filter((c) => {
    const metadata = c.args.metadata as
      | { event_type?: string; event_payload?: { run_id?: string } }
      | undefined;
    return metadata?.event_type === 'countersign_result' && metadata.event_payload?.run_id === runId;
  });
}

async function decide(runId: string, which: 'approve' | 'reject', notes: string | null) {
  const card = await waitForCard(engine.slackApi, runId);
  const form = await openDecisionForm(slack, engine.slackApi, card, which, PEOPLE.ana.id);
  expect((await submitDecisionForm(slack, form, PEOPLE.ana.id, notes)).text).toBe('');
  return card;
}

describe('a run with an agent session', () => {
  it('goes processing → suspended (titled with its approver) → processing → active → closed, streaming each step and the answer once', async () => {
    const { session, run } = await topicRun('Go', 'The topic of #launch is Go.', 'call_topic');
    const card = await decide(run.workflowId, 'approve', null);
    const outcome = await runOutcome(engine.client, run.workflowId);
    expect(outcome.status).toBe('completed');

    expect(engine.slackApi.agentSession(CHANNEL, session.threadTs)).toMatchObject({
      statuses: ['processing', 'suspended', 'processing', 'active', 'closed'],
      title: 'set the topic of #launch to Go',
      initiator: PEOPLE.requester.id,
    });
    const renames = engine.slackApi
      .callsTo('agents.sessions.rename')
      .filter((c) => c.args.thread_ts === session.threadTs)
      .map((c) => c.args.title);
    expect(renames).toEqual([
      'Waiting for @ana: set the topic of #launch to Go',
      'set the topic of #launch to Go',
    ]);

    const calls = streamCalls(session.threadTs);
    expect(calls[0]?.args).toMatchObject({
      recipient_user_id: PEOPLE.requester.id,
      recipient_team_id: 'T0TEST',
    });
    expect(taskTitles(calls, 'call_topic')).toEqual([
      'set_channel_topic — proposed',
      'set_channel_topic — waiting for approval',
      'set_channel_topic — running',
      'set_channel_topic — done',
    ]);
    const waiting = calls
      .flatMap((c) => (c.args.chunks ?? []) as Array<{ title?: string; details?: string }>)
      .find((chunk) => chunk.title?.endsWith('waiting for approval'));
    expect(waiting?.details).toMatch(
      /^Waiting for @ana until \d{4}-\d\d-\d\d \d\d:\d\d UTC — \[the approval card\]/,
    );
    expect(waiting?.details).toContain(`/archives/${card.call.args.channel}/p${card.ts.replace('.', '')}`);

    const streamTs = firstStreamTs(calls);
    const streamed = engine.slackApi.streamedMessage(CHANNEL, streamTs);
    expect(streamed?.streaming).toBe(false);
    expect(streamed?.tasks.call_topic).toMatchObject({ status: 'complete' });
    expect(streamed?.text).toContain('The topic of #launch is Go.');
    // The stream carried the answer: it is not posted again.
    expect(resultPosts(run.workflowId)).toEqual([]);
    await expectRunsToReplay(engine.client, [run.workflowId]);
  });

  it('shows a rejected call with the reviewer’s notes', async () => {
    const { session, run } = await topicRun('Now', 'Ana rejected it, so the topic stays.', 'call_rejected');
    await decide(run.workflowId, 'reject', 'not during <!channel> launch');
    const outcome = await runOutcome(engine.client, run.workflowId);
    expect(outcome.status).toBe('completed');
    const reviewer = outcome.approvals[0]?.reviewer;
    expect(reviewer?.id).toBe(PEOPLE.ana.id);

    const calls = streamCalls(session.threadTs);
    expect(taskTitles(calls, 'call_rejected').at(-1)).toBe('set_channel_topic — rejected');
    const streamTs = firstStreamTs(calls);
    const task = engine.slackApi.streamedMessage(CHANNEL, streamTs)?.tasks.call_rejected;
    expect(task).toMatchObject({ status: 'error' });
    // The notes as written, escaped: no broadcast.
    expect(task?.details).toBe(`rejected by ${reviewer?.name}: “not during &lt;!channel&gt; launch”`);
    expect(engine.slackApi.agentSession(CHANNEL, session.threadTs)?.statuses).toEqual([
      'processing',
      'suspended',
      'processing',
      'active',
      'closed',
    ]);
  });

  it('shows calls asked together waiting at once, and each running once decided', async () => {
    const request = 'set the topics of <#C0ONE|one> and <#C0TWO|two>';
    scriptModel(engine.openai, {
      [request]: [
        functionCalls([
          {
            name: 'set_channel_topic',
            args: proposal({ channel: 'C0ONE', topic: '1' }, 'medium'),
            callId: 'call_one',
          },
          {
            name: 'set_channel_topic',
            args: proposal({ channel: 'C0TWO', topic: '2' }, 'medium'),
            callId: 'call_two',
          },
        ]),
        message('Both topics are set.'),
      ],
    });
    const session = mentionIn();
    const run = await engine.startRun(request, { session });
    await expect.poll(() => approvalCardsOf(engine.slackApi, run.workflowId).length).toBe(2);
    for (const call of approvalCardsOf(engine.slackApi, run.workflowId)) {
      const ts = String((call.response as { ts?: string }).ts);
      const form = await openDecisionForm(
        slack,
        engine.slackApi,
        { call, ts } as Parameters<typeof openDecisionForm>[2],
        'approve',
        PEOPLE.ana.id,
      );
      expect((await submitDecisionForm(slack, form, PEOPLE.ana.id, null)).text).toBe('');
    }
    expect((await runOutcome(engine.client, run.workflowId)).status).toBe('completed');

    const calls = streamCalls(session.threadTs);
    for (const id of ['call_one', 'call_two']) {
      expect(taskTitles(calls, id)).toEqual([
        'set_channel_topic — proposed',
        'set_channel_topic — waiting for approval',
        'set_channel_topic — running',
        'set_channel_topic — done',
      ]);
    }
    expect(engine.slackApi.agentSession(CHANNEL, session.threadTs)?.statuses).toEqual([
      'processing',
      'suspended',
      'processing',
      'active',
      'closed',
    ]);
    await expectRunsToReplay(engine.client, [run.workflowId]);
  });

  it('starts the stream again, tasks replayed, when Slack has ended it (past its lifetime), the answer once', async () => {
    const { session, run } = await topicRun('Later', 'The topic of #launch is Later.', 'call_later');
    await engine.slackApi.waitForCall(
      'chat.appendStream',
      (c) =>
        streamCalls(session.threadTs).includes(c) &&
        JSON.stringify(c.args.chunks).includes('waiting for approval'),
    );
    // The approval waited longer than Slack keeps a stream open: its next append is refused.
    engine.slackApi.fail('chat.appendStream', { kind: 'error', error: 'message_not_in_streaming_state' });
    await decide(run.workflowId, 'approve', null);
    expect((await runOutcome(engine.client, run.workflowId)).status).toBe('completed');

    const starts = streamCalls(session.threadTs).filter((c) => c.method === 'chat.startStream');
    expect(starts).toHaveLength(2);
    const replayed = (starts[1]?.args.chunks ?? []) as Array<{ type: string; id?: string; status?: string }>;
    expect(replayed.find((c) => c.id === 'call_later')).toMatchObject({ status: 'in_progress' });
    const secondTs = String((starts[1]?.response as { ts?: string } | undefined)?.ts);
    expect(engine.slackApi.streamedMessage(CHANNEL, secondTs)).toMatchObject({
      streaming: false,
      tasks: { call_later: { status: 'complete' } },
    });
    const answered = engine.slackApi.calls.filter(
      (c) => c.error === undefined && JSON.stringify(c.args).includes('The topic of #launch is Later.'),
    );
    expect(answered.map((c) => c.method)).toEqual(['chat.stopStream']);
    expect(resultPosts(run.workflowId)).toEqual([]);
  });

  it('falls back to today’s reply when Slack refuses the stream, saying the answer exactly once', async () => {
    const request = 'say hello';
    scriptModel(engine.openai, { [request]: [message('Hello from the fallback.')] });
    engine.slackApi.failAlways('chat.startStream', { kind: 'error', error: 'feature_not_enabled' });
    try {
      const session = mentionIn();
      const run = await engine.startRun(request, { session });
      expect((await runOutcome(engine.client, run.workflowId)).status).toBe('completed');

      const posts = resultPosts(run.workflowId);
      expect(posts).toHaveLength(1);
      expect(posts[0]?.args).toMatchObject({ channel: CHANNEL, thread_ts: session.threadTs });
      const said = engine.slackApi.calls.filter((c) =>
        JSON.stringify(c.args).includes('Hello from the fallback.'),
      );
      // The refused stream start carried it, and so did the one post that Slack took.
      expect(said.filter((c) => c.error === undefined && c.fault === undefined)).toEqual(posts);
      expect(engine.slackApi.agentSession(CHANNEL, session.threadTs)?.statuses).toEqual([
        'processing',
        'active',
        'closed',
      ]);
      const status = await engine.client.workflow.getHandle(run.workflowId).query(agentStatusQuery);
      expect(status.audit.filter((e) => e.type === 'slack_refused').map((e) => e.details)).toEqual([
        { what: 'starting the run’s stream', error: 'feature_not_enabled' },
      ]);
      await expectRunsToReplay(engine.client, [run.workflowId]);
    } finally {
      engine.slackApi.clearFaults();
    }
  });

  it('keeps going when Slack refuses the session itself', async () => {
    const request = 'say hi without a session';
    scriptModel(engine.openai, { [request]: [message('Hi anyway.')] });
    engine.slackApi.failAlways('agents.sessions.setStatus', {
      kind: 'error',
      error: 'not_allowed_token_type',
    });
    try {
      const run = await engine.startRun(request, { session: mentionIn() });
      const outcome = await runOutcome(engine.client, run.workflowId);
      expect(outcome).toMatchObject({ status: 'completed', answer: 'Hi anyway.' });
      const status = await engine.client.workflow.getHandle(run.workflowId).query(agentStatusQuery);
      expect(status.audit.filter((e) => e.type === 'slack_refused').length).toBeGreaterThan(0);
    } finally {
      engine.slackApi.clearFaults();
    }
  });

  it('closes the session of a run cancelled through Temporal, its stream stopped', async () => {
    const { session, run } = await topicRun('Never', 'unreachable');
    await waitForCard(engine.slackApi, run.workflowId);
    await engine.slackApi.waitForCall('agents.sessions.rename', (c) => c.args.thread_ts === session.threadTs);
    await run.cancel();
    await expect(run.result()).rejects.toThrow();
    expect(engine.slackApi.agentSession(CHANNEL, session.threadTs)?.statuses).toEqual([
      'processing',
      'suspended',
      'closed',
    ]);
    expect(
      engine.slackApi.streamedMessage(CHANNEL, firstStreamTs(streamCalls(session.threadTs)))?.streaming,
    ).toBe(false);
  });

  it('makes no session or stream calls for an /agent run', async () => {
    const request = 'say hello to the slash command';
    scriptModel(engine.openai, { [request]: [message('Hello, slash.')] });
    const before = engine.slackApi.calls.length;
    const run = await engine.startRun(request);
    expect((await runOutcome(engine.client, run.workflowId)).status).toBe('completed');
    const methods = engine.slackApi.calls.slice(before).map((c) => c.method);
    expect(methods.filter((m) => m.startsWith('agents.') || m.includes('Stream'))).toEqual([]);
    expect(resultPosts(run.workflowId)).toHaveLength(1);
  });
});
