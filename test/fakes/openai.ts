// A fake of the OpenAI API (non-streaming): a real HTTP server answering POST /v1/responses with whole
// Response objects and POST /v1/chat/completions with whole chat completions, as OpenAI-compatible servers
// (vLLM, Ollama, LiteLLM, Azure) do. One script serves both wires, so a test written for one runs on the
// other: a queue of replies (tool calls, text, structured output, malformed output, HTTP errors), and a record
// of every request the SDK sent.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  ChatCompletion,
  ChatCompletionMessage,
  ChatCompletionMessageFunctionToolCall,
} from 'openai/resources/chat/completions';
import type {
  Response as OpenAIResponse,
  ResponseFunctionToolCall,
  ResponseOutputItem,
  ResponseOutputMessage,
} from 'openai/resources/responses/responses';
import { z } from 'zod';
import { RequestTooLarge, readBody } from './http-body.js';

// ---------------------------------------------------------------------------------------------------------
// Public surface
// ---------------------------------------------------------------------------------------------------------

/** The error envelope every OpenAI endpoint answers with. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** The two wires the fake answers: the Responses API and Chat Completions. */
export type OpenAIApi = 'responses' | 'chat';

export interface RecordedOpenAIRequest {
  method: string;
  path: string;
  /** Which wire the request came on; null for a path the fake does not answer. */
  api: OpenAIApi | null;
  /** The parsed JSON body; null when the body was not a JSON object. */
  body: Record<string, unknown> | null;
  headers: {
    /** Whether an `Authorization: Bearer …` header came; the key itself is never kept. */
    hasAuth: boolean;
    idempotencyKey?: string;
    /** The SDK's `x-stainless-retry-count`: 0 on the first attempt, n on the n-th retry. */
    retryCount?: number;
  };
  at: number;
}

/** One output item to answer with; ids are minted when the reply is served, so a reused reply stays realistic. */
export type ScriptedOutput =
  | { type: 'function_call'; name: string; arguments: string; callId?: string }
  | { type: 'message'; text: string };

export type ScriptedReply =
  | { kind: 'output'; output: ScriptedOutput[] }
  /** HTTP 200 whose body is not JSON, as a misbehaving proxy might send. */
  | { kind: 'garbage'; body: string }
  | { kind: 'http_error'; status: number; body: OpenAIErrorBody; headers: Record<string, string> }
  /** No answer at all, as a service that hangs: the connection stays open until the caller gives up or the fake closes. */
  | { kind: 'no_answer' }
  /** Another reply, sent only after a while, as a slow model answers. */
  | { kind: 'delayed'; afterMs: number; reply: ScriptedReply };

/** A reply, or a function choosing one from the request (for replies that depend on what the caller sent). */
export type FakeOpenAIReply = ScriptedReply | ((request: RecordedOpenAIRequest) => ScriptedReply);

export interface FakeOpenAI {
  /** Pass as the SDK's `baseURL`; ends with `/v1`. */
  readonly url: string;
  /** Every request in arrival order, rejected ones included. */
  readonly requests: readonly RecordedOpenAIRequest[];
  /** Scripted replies not yet used. */
  readonly pendingReplies: number;
  /** Queues replies; each POST to either wire takes the oldest. */
  reply(...replies: FakeOpenAIReply[]): void;
  /** What to answer once the queue is empty (by default: a loud HTTP 500). */
  otherwise(reply: FakeOpenAIReply): void;
  /** Resolves with the requests once at least `count` have arrived. */
  waitForRequests(count: number, timeoutMs?: number): Promise<RecordedOpenAIRequest[]>;
  /** Forgets requests and queued replies and restores the default `otherwise`. */
  reset(): void;
  close(): Promise<void>;
}

export interface FakeOpenAIOptions {
  /** The models `GET /v1/models/{id}` knows (default: any id); another is `model_not_found`, as OpenAI answers. */
  models?: string[];
  /** The APIs this service speaks (default: both); the other answers 404, as a service without it does. */
  apis?: OpenAIApi[];
}

export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const fake = new FakeOpenAIServer(options);
  await fake.listen();
  return fake;
}

// ---------------------------------------------------------------------------------------------------------
// Reply builders
// ---------------------------------------------------------------------------------------------------------

export interface ScriptedFunctionCall {
  name: string;
  args: object;
  callId?: string;
}

/** The model calls one tool. */
export function functionCall(name: string, args: object, opts: { callId?: string } = {}): ScriptedReply {
  return functionCalls([{ name, args, ...opts }]);
}

/** The model calls several tools in one response (parallel tool calls). */
export function functionCalls(calls: ScriptedFunctionCall[]): ScriptedReply {
  return {
    kind: 'output',
    output: calls.map(({ name, args, callId }) => ({
      type: 'function_call',
      name,
      arguments: JSON.stringify(args),
      ...(callId !== undefined && { callId }),
    })),
  };
}

/** The model answers in text. */
export function message(text: string): ScriptedReply {
  return { kind: 'output', output: [{ type: 'message', text }] };
}

/** Structured output: the message text is the JSON the caller's schema asked for. */
export function jsonOutput(value: unknown): ScriptedReply {
  return message(JSON.stringify(value));
}

/**
 * A tool call whose `arguments` is not valid JSON (models do emit these). Without a name it calls the first
 * function tool the request offered, which is what a real malformed call looks like.
 */
export function malformed(
  rawArguments: string,
  opts: { name?: string; callId?: string } = {},
): FakeOpenAIReply {
  return (request) => ({
    kind: 'output',
    output: [
      {
        type: 'function_call',
        name: opts.name ?? firstFunctionToolName(request) ?? 'unknown_tool',
        arguments: rawArguments,
        ...(opts.callId !== undefined && { callId: opts.callId }),
      },
    ],
  });
}

/** A reply sent only after `afterMs`, as a slow model answers. */
export function delayed(afterMs: number, reply: ScriptedReply): ScriptedReply {
  return { kind: 'delayed', afterMs, reply };
}

/** A request the service never answers. */
export function noAnswer(): ScriptedReply {
  return { kind: 'no_answer' };
}

export function garbageBody(
  body = 'upstream connect error or disconnect/reset before headers',
): ScriptedReply {
  return { kind: 'garbage', body };
}

export interface HttpErrorOptions {
  message?: string;
  code?: string | null;
  /** Sent as `retry-after`, which the SDK honours (up to a minute) before retrying. */
  retryAfterSeconds?: number;
}

/** An API error in OpenAI's shape, with the type and code the API uses for that status. */
export function httpError(status: number, opts: HttpErrorOptions = {}): ScriptedReply {
  const headers: Record<string, string> = {};
  if (opts.retryAfterSeconds !== undefined) headers['retry-after'] = String(opts.retryAfterSeconds);
  return {
    kind: 'http_error',
    status,
    headers,
    body: errorBody(opts.message ?? defaultErrorMessage(status), errorType(status), {
      code: opts.code === undefined ? defaultErrorCode(status) : opts.code,
    }),
  };
}

function errorType(status: number): string {
  if (status >= 500) return 'server_error';
  if (status === 429) return 'requests';
  return 'invalid_request_error';
}

function defaultErrorCode(status: number): string | null {
  if (status === 401) return 'invalid_api_key';
  if (status === 429) return 'rate_limit_exceeded';
  return null;
}

function defaultErrorMessage(status: number): string {
  if (status >= 500) return 'The server had an error while processing your request. Sorry about that!';
  if (status === 429) return 'Rate limit reached for requests. Please try again later.';
  if (status === 401) return 'Incorrect API key provided.';
  return `fake OpenAI: scripted HTTP ${status}`;
}

function errorBody(
  message: string,
  type: string,
  { param = null, code = null }: { param?: string | null; code?: string | null } = {},
): OpenAIErrorBody {
  return { error: { message, type, param, code } };
}

function firstFunctionToolName(request: RecordedOpenAIRequest): string | undefined {
  const tools = request.body?.tools;
  if (!Array.isArray(tools)) return undefined;
  for (const tool of tools) {
    if (!isRecord(tool) || tool.type !== 'function') continue;
    // Responses tools carry the name at the top; chat tools nest it under `function`.
    const name = isRecord(tool.function) ? tool.function.name : tool.name;
    if (typeof name === 'string') return name;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Reading a chat request (the Responses equivalents are userText/toolOutputs in test/support/engine.ts)
// ---------------------------------------------------------------------------------------------------------

function chatMessages(request: RecordedOpenAIRequest): Record<string, unknown>[] {
  const messages = request.body?.messages;
  return Array.isArray(messages) ? messages.filter(isRecord) : [];
}

/** Message content is a string or an array of text parts; tests want the text either way. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter((part) => isRecord(part) && part.type === 'text' && typeof part.text === 'string')
    .map((part) => (part as { text: string }).text)
    .join('');
}

/** The text of the first user message of a chat request ('' when there is none). */
export function chatUserText(request: RecordedOpenAIRequest): string {
  const first = chatMessages(request).find((item) => item.role === 'user');
  return contentText(first?.content);
}

/** The texts of the tool outputs (role `tool` messages) a chat request gives the model so far. */
export function chatToolTexts(request: RecordedOpenAIRequest): string[] {
  return chatMessages(request)
    .filter((item) => item.role === 'tool')
    .map((item) => contentText(item.content));
}

/** The tool outputs a chat request gives the model so far, parsed as JSON. */
export function chatToolOutputs(request: RecordedOpenAIRequest): Array<Record<string, unknown>> {
  return chatToolTexts(request).map((text) => JSON.parse(text) as Record<string, unknown>);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------------------------------------
// Building a Response object
// ---------------------------------------------------------------------------------------------------------

const DEFAULT_WAIT_MS = 10_000;
const MAX_REQUEST_BYTES = 10 * 1024 * 1024;
/** The usual rule of thumb for English text; usage only needs to be plausible, not exact. */
const CHARS_PER_TOKEN = 4;
const API_PATHS: Record<string, OpenAIApi> = {
  '/v1/responses': 'responses',
  '/v1/chat/completions': 'chat',
};

/** What goes over the wire: `output_text` is not sent, the SDK computes it from `output`. */
type WireResponse = Omit<OpenAIResponse, 'output_text'>;

/** The request fields the fake reads; everything else is recorded as sent and otherwise ignored. */
const responsesRequestSchema = z.looseObject({
  model: z.string().min(1),
  stream: z.boolean().optional(),
  tools: z.array(z.looseObject({ type: z.string() })).optional(),
  tool_choice: z.unknown().optional(),
  text: z.unknown().optional(),
  instructions: z.unknown().optional(),
  input: z.unknown().optional(),
  metadata: z.record(z.string(), z.string()).nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  temperature: z.number().nullish(),
  top_p: z.number().nullish(),
  previous_response_id: z.string().nullish(),
});
type ResponsesRequest = z.infer<typeof responsesRequestSchema>;

const chatRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(z.looseObject({ role: z.string() })).min(1),
  stream: z.boolean().nullish(),
  tools: z.array(z.looseObject({ type: z.string() })).optional(),
  tool_choice: z.unknown().optional(),
});
type ChatRequest = z.infer<typeof chatRequestSchema>;

type ValidRequest = { api: 'responses'; request: ResponsesRequest } | { api: 'chat'; request: ChatRequest };

function openAIId(prefix: string): string {
  return `${prefix}_${randomBytes(24).toString('hex')}`;
}

function materialize(output: ScriptedOutput): ResponseOutputItem {
  if (output.type === 'function_call') {
    const call: ResponseFunctionToolCall = {
      type: 'function_call',
      id: openAIId('fc'),
      call_id: output.callId ?? openAIId('call'),
      name: output.name,
      arguments: output.arguments,
      status: 'completed',
    };
    return call;
  }
  const assistantMessage: ResponseOutputMessage = {
    type: 'message',
    id: openAIId('msg'),
    role: 'assistant',
    status: 'completed',
    content: [{ type: 'output_text', text: output.text, annotations: [] }],
  };
  return assistantMessage;
}

function estimateTokens(value: unknown): number {
  return Math.max(1, Math.ceil(JSON.stringify(value ?? '').length / CHARS_PER_TOKEN));
}

/**
 * Request fields the Response repeats back. The fake does not validate tool or format schemas, it echoes
 * them as sent — so this is the one place a request value is treated as the SDK's type.
 */
function echo<T>(value: unknown, fallback: T): T {
  return (value ?? fallback) as T;
}

function buildResponse(request: ResponsesRequest, output: ResponseOutputItem[]): WireResponse {
  const inputTokens = estimateTokens(request.input);
  const outputTokens = estimateTokens(output);
  const now = Math.floor(Date.now() / 1000);
  return {
    id: openAIId('resp'),
    object: 'response',
    created_at: now,
    completed_at: now,
    status: 'completed',
    model: request.model,
    output,
    usage: {
      input_tokens: inputTokens,
      output_tokens: outputTokens,
      total_tokens: inputTokens + outputTokens,
      input_tokens_details: { cached_tokens: 0, cache_write_tokens: 0 },
      output_tokens_details: { reasoning_tokens: 0 },
    },
    parallel_tool_calls: request.parallel_tool_calls ?? true,
    tool_choice: echo<WireResponse['tool_choice']>(request.tool_choice, 'auto'),
    tools: echo<WireResponse['tools']>(request.tools, []),
    text: echo<NonNullable<WireResponse['text']>>(request.text, { format: { type: 'text' } }),
    error: null,
    incomplete_details: null,
    instructions: echo<WireResponse['instructions']>(request.instructions, null),
    metadata: request.metadata ?? {},
    temperature: request.temperature ?? 1,
    top_p: request.top_p ?? 1,
    previous_response_id: request.previous_response_id ?? null,
    access_programs: null,
  };
}

function chatToolCall(output: Extract<ScriptedOutput, { type: 'function_call' }>) {
  const call: ChatCompletionMessageFunctionToolCall = {
    id: output.callId ?? openAIId('call'),
    type: 'function',
    function: { name: output.name, arguments: output.arguments },
  };
  return call;
}

/** Chat has one assistant message per choice: scripted texts become its content, scripted calls its tool_calls. */
function buildChatCompletion(request: ChatRequest, output: ScriptedOutput[]): ChatCompletion {
  const toolCalls = output.flatMap((item) => (item.type === 'function_call' ? [chatToolCall(item)] : []));
  const texts = output.flatMap((item) => (item.type === 'message' ? [item.text] : []));
  const assistantMessage: ChatCompletionMessage = {
    role: 'assistant',
    content: texts.length > 0 ? texts.join('') : null,
    refusal: null,
    annotations: [],
    ...(toolCalls.length > 0 && { tool_calls: toolCalls }),
  };
  const promptTokens = estimateTokens(request.messages);
  const completionTokens = estimateTokens(assistantMessage);
  return {
    // Chat completion ids use a dash where the other OpenAI ids use an underscore.
    id: `chatcmpl-${randomBytes(16).toString('hex')}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: request.model,
    choices: [
      {
        index: 0,
        message: assistantMessage,
        finish_reason: toolCalls.length > 0 ? 'tool_calls' : 'stop',
        logprobs: null,
      },
    ],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: {
        reasoning_tokens: 0,
        audio_tokens: 0,
        accepted_prediction_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    },
    service_tier: 'default',
  };
}

// ---------------------------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------------------------

/** Tells the SDK not to retry: a missing script is a test bug, and retrying would only hide it. */
const DO_NOT_RETRY = { 'x-should-retry': 'false' };

const NO_SCRIPTED_REPLY: FakeOpenAIReply = (request) => ({
  kind: 'http_error',
  status: 500,
  headers: DO_NOT_RETRY,
  body: errorBody(
    `fake OpenAI: no scripted reply for this request (model ${String(request.body?.model)}); ` +
      'queue one with fake.reply(...) or set fake.otherwise(...)',
    'server_error',
  ),
});

function parseJsonObject(text: string): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(text);
    return isRecord(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

function hasBearerAuth(request: IncomingMessage): boolean {
  return /^Bearer\s+\S+/i.test(request.headers.authorization ?? '');
}

function recordRequest(
  request: IncomingMessage,
  path: string,
  body: Record<string, unknown> | null,
): RecordedOpenAIRequest {
  const idempotencyKey = request.headers['idempotency-key'];
  const retryCount = request.headers['x-stainless-retry-count'];
  return {
    method: request.method ?? 'GET',
    path,
    api: request.method === 'POST' ? (API_PATHS[path] ?? null) : null,
    body,
    headers: {
      hasAuth: hasBearerAuth(request),
      ...(typeof idempotencyKey === 'string' && { idempotencyKey }),
      ...(typeof retryCount === 'string' && { retryCount: Number(retryCount) }),
    },
    at: Date.now(),
  };
}

function send(
  response: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  response
    .writeHead(status, { 'content-type': 'application/json', 'x-request-id': openAIId('req'), ...headers })
    .end(body);
}

function sendError(
  response: ServerResponse,
  status: number,
  body: OpenAIErrorBody,
  headers: Record<string, string> = {},
): void {
  send(response, status, JSON.stringify(body), headers);
}

interface RequestWaiter {
  count: number;
  resolve(requests: RecordedOpenAIRequest[]): void;
  reject(error: Error): void;
}

class FakeOpenAIServer implements FakeOpenAI {
  private readonly server: Server;
  private readonly log: RecordedOpenAIRequest[] = [];
  private queue: FakeOpenAIReply[] = [];
  private fallback: FakeOpenAIReply = NO_SCRIPTED_REPLY;
  private waiters = new Set<RequestWaiter>();
  private baseUrl = '';

  constructor(private readonly options: FakeOpenAIOptions = {}) {
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        // A bug in the fake must not pass for an API answer; the SDK won't retry it either.
        const message = `fake OpenAI internal error: ${(error as Error).stack}`;
        if (!response.headersSent) sendError(response, 500, errorBody(message, 'server_error'), DO_NOT_RETRY);
      });
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', resolve);
    });
    const { port } = this.server.address() as AddressInfo;
    this.baseUrl = `http://127.0.0.1:${port}/v1`;
  }

  get url(): string {
    return this.baseUrl;
  }

  get requests(): readonly RecordedOpenAIRequest[] {
    return this.log;
  }

  get pendingReplies(): number {
    return this.queue.length;
  }

  reply(...replies: FakeOpenAIReply[]): void {
    this.queue.push(...replies);
  }

  otherwise(reply: FakeOpenAIReply): void {
    this.fallback = reply;
  }

  waitForRequests(count: number, timeoutMs = DEFAULT_WAIT_MS): Promise<RecordedOpenAIRequest[]> {
    if (this.log.length >= count) return Promise.resolve([...this.log]);
    return new Promise((resolve, reject) => {
      const settle = () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      const waiter: RequestWaiter = {
        count,
        resolve: (requests) => {
          settle();
          resolve(requests);
        },
        reject: (error) => {
          settle();
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        const paths = this.log.map((request) => `${request.method} ${request.path}`).join(', ') || 'none';
        waiter.reject(
          new Error(
            `fake OpenAI: expected ${count} request(s) within ${timeoutMs}ms, got ${this.log.length} (${paths})`,
          ),
        );
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  reset(): void {
    this.log.length = 0;
    this.queue = [];
    this.fallback = NO_SCRIPTED_REPLY;
  }

  async close(): Promise<void> {
    for (const waiter of this.waiters)
      waiter.reject(new Error('fake OpenAI closed while waiting for requests'));
    await new Promise<void>((resolve, reject) => {
      this.server.close((error) => (error ? reject(error) : resolve()));
      // The SDK's fetch keeps connections alive; without this close() would wait for them to idle out.
      this.server.closeAllConnections();
    });
  }

  private record(request: RecordedOpenAIRequest): void {
    this.log.push(request);
    for (const waiter of this.waiters) {
      if (this.log.length >= waiter.count) waiter.resolve([...this.log]);
    }
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://fake-openai').pathname;
    let text: string;
    try {
      text = await readBody(request, MAX_REQUEST_BYTES);
    } catch (error) {
      if (!(error instanceof RequestTooLarge)) throw error;
      this.record(recordRequest(request, path, null));
      sendError(response, 413, errorBody('fake OpenAI: request too large', 'invalid_request_error'));
      return;
    }
    const body = parseJsonObject(text);
    const recorded = recordRequest(request, path, body);
    // Recorded before answering, so a caller holding its answer can already see its request.
    this.record(recorded);

    const model = /^\/v1\/models\/([^/]+)$/.exec(path)?.[1];
    if (request.method === 'GET' && model !== undefined) {
      if (!recorded.headers.hasAuth) {
        sendError(
          response,
          401,
          errorBody('No API key provided.', 'invalid_request_error', { code: 'invalid_api_key' }),
        );
        return;
      }
      const id = decodeURIComponent(model);
      if (this.options.models && !this.options.models.includes(id)) {
        const message = `The model \`${id}\` does not exist or you do not have access to it.`;
        sendError(response, 404, errorBody(message, 'invalid_request_error', { code: 'model_not_found' }));
        return;
      }
      send(
        response,
        200,
        JSON.stringify({ id, object: 'model', created: 1_700_000_000, owned_by: 'fake-openai' }),
      );
      return;
    }
    if (recorded.api === null || (this.options.apis && !this.options.apis.includes(recorded.api))) {
      const message = `Invalid URL (${request.method} ${path})`;
      sendError(response, 404, errorBody(message, 'invalid_request_error'));
      return;
    }
    if (!recorded.headers.hasAuth) {
      const message =
        "You didn't provide an API key. Provide it in an Authorization header using Bearer auth.";
      sendError(response, 401, errorBody(message, 'invalid_request_error', { code: 'invalid_api_key' }));
      return;
    }
    const parsed = parseRequest(recorded.api, body);
    if ('rejection' in parsed) {
      sendError(response, 400, parsed.rejection);
      return;
    }
    this.answer(response, recorded, parsed);
  }

  private answer(response: ServerResponse, recorded: RecordedOpenAIRequest, valid: ValidRequest): void {
    const next = this.queue.shift() ?? this.fallback;
    this.send(response, valid, typeof next === 'function' ? next(recorded) : next);
  }

  private send(response: ServerResponse, valid: ValidRequest, reply: ScriptedReply): void {
    switch (reply.kind) {
      case 'output': {
        const body =
          valid.api === 'chat'
            ? buildChatCompletion(valid.request, reply.output)
            : buildResponse(valid.request, reply.output.map(materialize));
        send(response, 200, JSON.stringify(body));
        return;
      }
      case 'garbage':
        send(response, 200, reply.body);
        return;
      case 'http_error':
        sendError(response, reply.status, reply.body, reply.headers);
        return;
      case 'no_answer':
        return;
      case 'delayed':
        setTimeout(() => this.send(response, valid, reply.reply), reply.afterMs);
        return;
    }
  }
}

/** Validates what the fake needs from the body, answering 400s shaped like the API's. */
function parseRequest(
  api: OpenAIApi,
  body: Record<string, unknown> | null,
): ValidRequest | { rejection: OpenAIErrorBody } {
  if (api === 'chat') {
    const parsed = validate(chatRequestSchema, body);
    return 'rejection' in parsed ? parsed : { api, request: parsed.request };
  }
  const parsed = validate(responsesRequestSchema, body);
  return 'rejection' in parsed ? parsed : { api, request: parsed.request };
}

function validate<T extends { stream?: boolean | null | undefined }>(
  schema: z.ZodType<T>,
  body: Record<string, unknown> | null,
): { request: T } | { rejection: OpenAIErrorBody } {
  if (body === null) {
    return {
      rejection: errorBody('We could not parse the JSON body of your request.', 'invalid_request_error'),
    };
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const param = issue?.path.join('.') || null;
    const isMissing = issue?.path.length === 1 && body[String(issue.path[0])] === undefined;
    const message = isMissing
      ? `Missing required parameter: '${param}'.`
      : `Invalid '${param}': ${issue?.message}`;
    const code = isMissing ? 'missing_required_parameter' : 'invalid_value';
    return { rejection: errorBody(message, 'invalid_request_error', { param, code }) };
  }
  if (parsed.data.stream === true) {
    const message = 'fake OpenAI: streaming is not supported; call without stream: true';
    return { rejection: errorBody(message, 'invalid_request_error', { param: 'stream' }) };
  }
  return { request: parsed.data };
}
