// OPENAI_API=chat: the agent on a model service that speaks only Chat Completions (vLLM, Ollama, LiteLLM, Azure
// OpenAI), end to end on a real worker and dev server, with the OpenAI fake answering on that wire.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalDecisionSignal } from '../../src/workflows/messages.js';
import {
  chatUserText,
  type FakeOpenAIReply,
  functionCall,
  functionCalls,
  garbageBody,
  httpError,
  message,
} from '../fakes/openai.js';
import {
  chatToolData,
  type Engine,
  proposal,
  runOutcome,
  startEngine,
  waitForCard,
} from '../support/engine.js';

let engine: Engine;

beforeAll(async () => {
  engine = await startEngine({ prefix: 'chat-wire', env: { OPENAI_API: 'chat' } });
});

afterAll(async () => {
  await engine?.close();
});

/** Answers by script, keyed by the request's text and how many tool outputs the model has seen. */
function script(scripts: Record<string, FakeOpenAIReply[]>) {
  engine.openai.otherwise((request) => {
    const reply = scripts[chatUserText(request)]?.[chatToolData(request).length];
    if (!reply) throw new Error(`no script for "${chatUserText(request)}"`);
    return typeof reply === 'function' ? reply(request) : reply;
  });
}

const requestsFor = (text: string) => engine.openai.requests.filter((r) => chatUserText(r) === text);

describe('a Chat Completions model service', () => {
  it('proposes tool calls, in parallel too, gets their results back as tool messages, and answers', async () => {
    const text = 'compare <#C0ONE|one> and <#C0TWO|two>';
    script({
      [text]: [
        functionCalls([
          { name: 'channel_info', args: proposal({ channel: 'C0ONE' }) },
          { name: 'channel_info', args: proposal({ channel: 'C0TWO' }) },
        ]),
        message('They are alike.'),
        message('They are alike.'),
      ],
    });
    const outcome = await runOutcome(engine.client, (await engine.startRun(text)).workflowId);
    expect(outcome).toMatchObject({ status: 'completed', answer: 'They are alike.' });
    expect(outcome.actions).toHaveLength(2);
    const [first, second] = requestsFor(text);
    expect(first?.api).toBe('chat');
    const tools = (first?.body?.tools ?? []) as Array<{ function: { name: string } }>;
    expect(tools.map((t) => t.function.name)).toContain('archive_channel');
    const outputs = second ? chatToolData(second) : [];
    expect(outputs).toHaveLength(2);
    expect(outputs.every((o) => o.status === 'done')).toBe(true);
  });

  it('holds a risky call for approval exactly as on the Responses API', async () => {
    const text = 'archive <#C0CHATOLD|old>';
    script({
      [text]: [
        functionCall('archive_channel', proposal({ channel: 'C0CHATOLD' }, 'high')),
        message('Archived.'),
      ],
    });
    const run = await engine.startRun(text);
    const card = await waitForCard(engine.slackApi, run.workflowId);
    expect(
      engine.slackApi.callsTo('conversations.archive').filter((c) => c.args.channel === 'C0CHATOLD'),
    ).toEqual([]);
    await engine.client.workflow
      .getHandle(card.workflowId)
      .signal(approvalDecisionSignal, { request_id: card.requestId, approved: true });
    expect(await runOutcome(engine.client, run.workflowId)).toMatchObject({
      status: 'completed',
      answer: 'Archived.',
    });
    expect(
      engine.slackApi.callsTo('conversations.archive').filter((c) => c.args.channel === 'C0CHATOLD'),
    ).toHaveLength(1);
  });

  it('retries through a 429 and a garbage answer, and refuses a malformed call without running it', async () => {
    const text = 'look at <#C0FLAKY|flaky>';
    engine.openai.reply(httpError(429, { retryAfterSeconds: 1 }), garbageBody());
    script({
      [text]: [
        functionCall('channel_info', proposal({ channel: 'not-a-channel' })),
        message('Could not look.'),
      ],
    });
    const outcome = await runOutcome(engine.client, (await engine.startRun(text)).workflowId);
    expect(outcome).toMatchObject({ status: 'completed', answer: 'Could not look.' });
    expect(outcome.actions).toEqual([]);
    // The 429 and the garbage were answered to this run's first two asks, then its two real turns.
    expect(requestsFor(text)).toHaveLength(4);
    const last = requestsFor(text).at(-1);
    expect(last && JSON.stringify(chatToolData(last))).toMatch(/invalid arguments: arguments.channel/);
  });
});
