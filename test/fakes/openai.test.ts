// Drives the fake OpenAI API with the real openai SDK, on both wires, so the fake is held to what the SDK
// sends and parses.
import OpenAI from 'openai';
import type {
  ChatCompletionFunctionTool,
  ChatCompletionMessageFunctionToolCall,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import type { FunctionTool, ResponseFunctionToolCall } from 'openai/resources/responses/responses';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  chatToolOutputs,
  chatUserText,
  type FakeOpenAI,
  functionCall,
  functionCalls,
  garbageBody,
  httpError,
  jsonOutput,
  malformed,
  message,
  startFakeOpenAI,
} from './openai.js';

const MODEL = 'gpt-test';

const postMessageTool: FunctionTool = {
  type: 'function',
  name: 'post_message',
  description: 'Post a message to a Slack channel',
  strict: true,
  parameters: {
    type: 'object',
    properties: { channel: { type: 'string' }, text: { type: 'string' } },
    required: ['channel', 'text'],
    additionalProperties: false,
  },
};

let fake: FakeOpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterEach(() => fake.reset());
afterAll(() => fake.close());

function client(
  options: { maxRetries?: number; defaultHeaders?: Record<string, string | null> } = {},
): OpenAI {
  return new OpenAI({ apiKey: 'sk-test', baseURL: fake.url, maxRetries: 0, ...options });
}

function ask(openai: OpenAI = client()) {
  return openai.responses.create({
    model: MODEL,
    instructions: 'You are a deploy agent.',
    input: 'Announce the deploy in #deploys',
    tools: [postMessageTool],
  });
}

function onlyFunctionCall(output: unknown[]): ResponseFunctionToolCall {
  expect(output).toHaveLength(1);
  const [item] = output as ResponseFunctionToolCall[];
  expect(item?.type).toBe('function_call');
  return item as ResponseFunctionToolCall;
}

describe('scripted replies', () => {
  it('answers with a tool call the SDK hands back with parseable arguments', async () => {
    fake.reply(functionCall('post_message', { channel: '#deploys', text: 'Deploying v42' }));

    const response = await ask();

    const call = onlyFunctionCall(response.output);
    expect(call).toMatchObject({ name: 'post_message', status: 'completed' });
    expect(call.call_id).toMatch(/^call_/);
    expect(call.id).toMatch(/^fc_/);
    expect(JSON.parse(call.arguments)).toEqual({ channel: '#deploys', text: 'Deploying v42' });
    expect(response.tools).toEqual([postMessageTool]);
    expect(response.output_text).toBe('');
  });

  it('answers a full Response object built around the request', async () => {
    fake.reply(message('Deployed.'));

    const response = await ask();

    expect(response).toMatchObject({
      object: 'response',
      status: 'completed',
      model: MODEL,
      instructions: 'You are a deploy agent.',
      tool_choice: 'auto',
      text: { format: { type: 'text' } },
      error: null,
    });
    expect(response.id).toMatch(/^resp_/);
    expect(response.created_at).toBeCloseTo(Date.now() / 1000, -1);
    expect(response.usage?.total_tokens).toBe(
      (response.usage?.input_tokens ?? 0) + (response.usage?.output_tokens ?? 0),
    );
    expect(response.usage?.input_tokens).toBeGreaterThan(0);
    expect(response._request_id).toMatch(/^req_/);
  });

  it('lets the SDK compute output_text from a message', async () => {
    fake.reply(message('Deployed v42 to production.'));
    const response = await ask();
    expect(response.output_text).toBe('Deployed v42 to production.');
  });

  it('answers several tool calls in one response, honouring a given call id', async () => {
    fake.reply(
      functionCalls([
        { name: 'post_message', args: { channel: '#a', text: '1' }, callId: 'call_fixed' },
        { name: 'post_message', args: { channel: '#b', text: '2' } },
      ]),
    );

    const response = await ask();

    const calls = response.output as ResponseFunctionToolCall[];
    expect(calls.map((call) => call.call_id)).toEqual(['call_fixed', expect.stringMatching(/^call_/)]);
    expect(calls.map((call) => JSON.parse(call.arguments).channel)).toEqual(['#a', '#b']);
  });

  it('mints fresh ids each time a reply is reused', async () => {
    fake.otherwise(functionCall('post_message', { channel: '#a', text: 'again' }));
    const first = onlyFunctionCall((await ask()).output);
    const second = onlyFunctionCall((await ask()).output);
    expect(second.call_id).not.toBe(first.call_id);
  });

  it('answers structured output as JSON text and echoes the requested format', async () => {
    const verdict = { decision: 'approve', reason: 'low risk' };
    fake.reply(jsonOutput(verdict));
    const format = {
      type: 'json_schema' as const,
      name: 'verdict',
      strict: true,
      schema: {
        type: 'object',
        properties: { decision: { type: 'string' }, reason: { type: 'string' } },
        required: ['decision', 'reason'],
        additionalProperties: false,
      },
    };

    const response = await client().responses.create({ model: MODEL, input: 'Judge this', text: { format } });

    expect(JSON.parse(response.output_text)).toEqual(verdict);
    expect(response.text?.format).toEqual(format);
  });

  it('hands malformed tool arguments to the caller as the raw string', async () => {
    fake.reply(malformed('{"channel": '));

    const call = onlyFunctionCall((await ask()).output);

    expect(call.name).toBe('post_message');
    expect(call.arguments).toBe('{"channel": ');
    expect(() => JSON.parse(call.arguments)).toThrow(SyntaxError);
  });

  it('builds a reply from the request when given a function', async () => {
    fake.reply((request) => message(`you sent ${JSON.stringify(request.body?.input)}`));
    const response = await ask();
    expect(response.output_text).toBe('you sent "Announce the deploy in #deploys"');
  });

  it('serves queued replies in order, then the otherwise reply', async () => {
    fake.reply(message('one'), message('two'));
    fake.otherwise(message('fallback'));
    expect(fake.pendingReplies).toBe(2);

    const texts = [];
    for (let turn = 0; turn < 3; turn += 1) texts.push((await ask()).output_text);

    expect(texts).toEqual(['one', 'two', 'fallback']);
    expect(fake.pendingReplies).toBe(0);
  });
});

describe('failures', () => {
  it('makes the SDK throw when the body is not JSON', async () => {
    fake.reply(garbageBody());
    await expect(ask()).rejects.toThrow(SyntaxError);
  });

  it('rate-limits with 429, surfaced as RateLimitError', async () => {
    fake.reply(httpError(429, { retryAfterSeconds: 20 }));

    const error = await ask().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error).toMatchObject({ status: 429, code: 'rate_limit_exceeded', type: 'requests' });
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toBe('20');
  });

  it('fails with 500, surfaced as InternalServerError', async () => {
    fake.reply(httpError(500));
    const error = await ask().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(error).toMatchObject({ status: 500, type: 'server_error' });
  });

  it('lets the SDK retry a 500 and succeed, recording both attempts', async () => {
    fake.reply(httpError(500), message('second time lucky'));

    const response = await ask(client({ maxRetries: 1 }));

    expect(response.output_text).toBe('second time lucky');
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests.map((request) => request.headers.retryCount)).toEqual([0, 1]);
    expect(fake.requests[1]?.body).toEqual(fake.requests[0]?.body);
  });

  it('answers 401 in OpenAI error shape when no API key is sent', async () => {
    fake.reply(message('never served'));
    const anonymous = client({ defaultHeaders: { Authorization: null } });

    const error = await ask(anonymous).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(error).toMatchObject({ status: 401, code: 'invalid_api_key', type: 'invalid_request_error' });
    expect(fake.requests[0]?.headers.hasAuth).toBe(false);
    expect(fake.pendingReplies).toBe(1);
  });

  it('fails an unscripted request loudly, without SDK retries', async () => {
    const error = await ask(client({ maxRetries: 2 })).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect((error as Error).message).toContain('fake OpenAI: no scripted reply for this request');
    expect(fake.requests).toHaveLength(1);
  });

  it('answers 404 for endpoints it does not fake', async () => {
    const error = await client()
      .models.list()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as Error).message).toContain('Invalid URL (GET /v1/models)');
  });

  it('rejects a request without a model, and streaming, as 400s', async () => {
    const post = (body: object) =>
      fetch(`${fake.url}/responses`, {
        method: 'POST',
        headers: { authorization: 'Bearer sk-test', 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    const noModel = await post({ input: 'hi' });
    expect(noModel.status).toBe(400);
    expect(await noModel.json()).toEqual({
      error: {
        message: "Missing required parameter: 'model'.",
        type: 'invalid_request_error',
        param: 'model',
        code: 'missing_required_parameter',
      },
    });
    const streaming = await post({ model: MODEL, input: 'hi', stream: true });
    expect(streaming.status).toBe(400);
    expect(((await streaming.json()) as { error: { param: string } }).error.param).toBe('stream');
  });
});

describe('recording', () => {
  it('records the body the SDK sent, including tools, and which headers came', async () => {
    fake.reply(message('ok'));
    await ask();

    const [request] = fake.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/v1/responses', api: 'responses' });
    expect(request?.body).toEqual({
      model: MODEL,
      instructions: 'You are a deploy agent.',
      input: 'Announce the deploy in #deploys',
      tools: [postMessageTool],
    });
    expect(request?.headers).toEqual({ hasAuth: true, retryCount: 0 });
  });

  it('waits for requests to arrive', async () => {
    fake.reply(message('one'), message('two'));
    const arrived = fake.waitForRequests(2, 5_000);
    await ask();
    await ask();
    await expect(arrived).resolves.toHaveLength(2);
  });

  it('times out waiting, saying how many requests came', async () => {
    fake.reply(message('one'));
    await ask();
    await expect(fake.waitForRequests(2, 50)).rejects.toThrow(
      'fake OpenAI: expected 2 request(s) within 50ms, got 1 (POST /v1/responses)',
    );
  });

  it('forgets requests and queued replies on reset', async () => {
    fake.reply(message('stale'));
    fake.otherwise(message('stale fallback'));
    await ask();
    fake.reply(message('queued'));

    fake.reset();

    expect(fake.requests).toHaveLength(0);
    expect(fake.pendingReplies).toBe(0);
    await expect(ask()).rejects.toThrow('no scripted reply');
  });
});

describe('the chat completions wire', () => {
  const chatPostMessageTool: ChatCompletionFunctionTool = {
    type: 'function',
    function: {
      name: postMessageTool.name,
      description: postMessageTool.description ?? '',
      strict: true,
      parameters: postMessageTool.parameters ?? {},
    },
  };
  const conversation: ChatCompletionMessageParam[] = [
    { role: 'system', content: 'You are a deploy agent.' },
    { role: 'user', content: 'Announce the deploy in #deploys' },
  ];

  // The call the app makes with OPENAI_API=chat.
  function chat(openai: OpenAI = client(), messages: ChatCompletionMessageParam[] = conversation) {
    return openai.chat.completions.create({
      model: MODEL,
      messages,
      tools: [chatPostMessageTool],
      tool_choice: 'auto',
    });
  }

  function toolCallsOf(completion: OpenAI.ChatCompletion): ChatCompletionMessageFunctionToolCall[] {
    expect(completion.choices).toHaveLength(1);
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
    expect(completion.choices[0]?.message.content).toBeNull();
    return (completion.choices[0]?.message.tool_calls ?? []) as ChatCompletionMessageFunctionToolCall[];
  }

  it('answers a tool call as message.tool_calls', async () => {
    fake.reply(functionCall('post_message', { channel: '#deploys', text: 'Deploying v42' }));

    const completion = await chat();

    const calls = toolCallsOf(completion);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ type: 'function', function: { name: 'post_message' } });
    expect(calls[0]?.id).toMatch(/^call_/);
    expect(JSON.parse(calls[0]?.function.arguments ?? '')).toEqual({
      channel: '#deploys',
      text: 'Deploying v42',
    });
  });

  it('answers parallel tool calls in one message, honouring a given call id', async () => {
    fake.reply(
      functionCalls([
        { name: 'post_message', args: { channel: '#a', text: '1' }, callId: 'call_fixed' },
        { name: 'post_message', args: { channel: '#b', text: '2' } },
      ]),
    );

    const calls = toolCallsOf(await chat());

    expect(calls.map((call) => call.id)).toEqual(['call_fixed', expect.stringMatching(/^call_/)]);
    expect(calls.map((call) => JSON.parse(call.function.arguments).channel)).toEqual(['#a', '#b']);
  });

  it('answers a final message as a full chat completion object', async () => {
    fake.reply(message('Deployed v42.'));

    const completion = await chat();

    expect(completion).toMatchObject({
      object: 'chat.completion',
      model: MODEL,
      choices: [
        {
          index: 0,
          finish_reason: 'stop',
          message: { role: 'assistant', content: 'Deployed v42.', refusal: null },
        },
      ],
    });
    expect(completion.choices[0]?.message.tool_calls).toBeUndefined();
    expect(completion.id).toMatch(/^chatcmpl-/);
    expect(completion.created).toBeCloseTo(Date.now() / 1000, -1);
    expect(completion.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(completion.usage?.total_tokens).toBe(
      (completion.usage?.prompt_tokens ?? 0) + (completion.usage?.completion_tokens ?? 0),
    );
    expect(completion._request_id).toMatch(/^req_/);
  });

  it('names the first chat tool in a malformed call', async () => {
    fake.reply(malformed('{"channel": '));
    const [call] = toolCallsOf(await chat());
    expect(call?.function).toEqual({ name: 'post_message', arguments: '{"channel": ' });
  });

  it('rate-limits with 429 and Retry-After, surfaced as RateLimitError', async () => {
    fake.reply(httpError(429, { retryAfterSeconds: 20 }));

    const error = await chat().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error).toMatchObject({ status: 429, code: 'rate_limit_exceeded', type: 'requests' });
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toBe('20');
  });

  it('lets the SDK retry a 429 and succeed, recording both attempts', async () => {
    // Retry-After 0 keeps the test fast; the SDK still waits for it rather than its own backoff.
    fake.reply(httpError(429, { retryAfterSeconds: 0 }), message('after the limit'));

    const completion = await chat(client({ maxRetries: 1 }));

    expect(completion.choices[0]?.message.content).toBe('after the limit');
    expect(fake.requests.map((request) => request.headers.retryCount)).toEqual([0, 1]);
  });

  it('makes the SDK throw when the body is not JSON', async () => {
    fake.reply(garbageBody());
    await expect(chat()).rejects.toThrow(SyntaxError);
  });

  it('rejects a request without a model or messages, and streaming, as 400s', async () => {
    const post = (body: object) =>
      fetch(`${fake.url}/chat/completions`, {
        method: 'POST',
        headers: { authorization: 'Bearer sk-test', 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    const noModel = await post({ messages: conversation });
    expect(noModel.status).toBe(400);
    expect(((await noModel.json()) as { error: { param: string } }).error.param).toBe('model');
    const noMessages = await post({ model: MODEL });
    expect(noMessages.status).toBe(400);
    expect(await noMessages.json()).toEqual({
      error: {
        message: "Missing required parameter: 'messages'.",
        type: 'invalid_request_error',
        param: 'messages',
        code: 'missing_required_parameter',
      },
    });
    const streaming = await post({ model: MODEL, messages: conversation, stream: true });
    expect(streaming.status).toBe(400);
    expect(((await streaming.json()) as { error: { param: string } }).error.param).toBe('stream');
    expect(fake.pendingReplies).toBe(0);
  });

  it('answers 401 when no API key is sent', async () => {
    const error = await chat(client({ defaultHeaders: { Authorization: null } })).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it('serves one script across both wires, recording which path each request came on', async () => {
    fake.reply(message('from responses'), message('from chat'));
    fake.otherwise(message('fallback'));

    expect((await ask()).output_text).toBe('from responses');
    expect((await chat()).choices[0]?.message.content).toBe('from chat');
    await client()
      .models.list()
      .catch(() => undefined);

    expect(fake.requests.map(({ path, api }) => ({ path, api }))).toEqual([
      { path: '/v1/responses', api: 'responses' },
      { path: '/v1/chat/completions', api: 'chat' },
      { path: '/v1/models', api: null },
    ]);
    expect(fake.requests[1]?.body).toEqual({
      model: MODEL,
      messages: conversation,
      tools: [chatPostMessageTool],
      tool_choice: 'auto',
    });
  });

  it('reads the user text and the tool outputs a chat request carries', async () => {
    fake.otherwise(message('done'));
    const messages: ChatCompletionMessageParam[] = [
      ...conversation,
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'call_1',
            type: 'function',
            function: { name: 'post_message', arguments: '{"channel":"#deploys","text":"hi"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '{"ok":true,"ts":"1.0"}' },
      { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: '{"ok":false}' }] },
    ];

    await chat(client(), conversation);
    await chat(client(), messages);

    const [first, second] = fake.requests;
    expect(first && chatUserText(first)).toBe('Announce the deploy in #deploys');
    expect(first && chatToolOutputs(first)).toEqual([]);
    expect(second && chatToolOutputs(second)).toEqual([{ ok: true, ts: '1.0' }, { ok: false }]);
  });

  it('reads the user text from content parts', async () => {
    fake.otherwise(message('done'));
    await chat(client(), [{ role: 'user', content: [{ type: 'text', text: 'Roll back v42' }] }]);
    const [request] = fake.requests;
    expect(request && chatUserText(request)).toBe('Roll back v42');
  });
});

describe('models and the APIs a service speaks', () => {
  it('answers models.retrieve for known models, model_not_found otherwise, and 404s an API it does not speak', async () => {
    const narrow = await startFakeOpenAI({ models: [MODEL], apis: ['chat'] });
    try {
      const openai = new OpenAI({ apiKey: 'sk-test', baseURL: narrow.url, maxRetries: 0 });
      expect((await openai.models.retrieve(MODEL)).id).toBe(MODEL);
      await expect(openai.models.retrieve('gpt-nope')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
      narrow.otherwise(message('OK'));
      await expect(
        openai.responses.create({ model: MODEL, input: 'hi', store: false }),
      ).rejects.toBeInstanceOf(OpenAI.NotFoundError);
      const chat = await openai.chat.completions.create({
        model: MODEL,
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(chat.choices[0]?.message.content).toBe('OK');
    } finally {
      await narrow.close();
    }
  });
});
