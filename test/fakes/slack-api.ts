// A fake of the Slack Web API: a real HTTP server that speaks Slack's wire format (form or JSON POSTs to
// /api/<method>, HTTP 200 + `{ok, ...}` answers), keeps a tiny in-memory workspace, records every call,
// and can be told to fail the way Slack fails (429 + Retry-After, HTTP 5xx, `ok:false`).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RequestTooLarge, readBody } from './http-body.js';

// ---------------------------------------------------------------------------------------------------------
// Public surface
// ---------------------------------------------------------------------------------------------------------

export const FAKE_SLACK_TEAM = {
  id: 'T0FAKETEAM',
  name: 'Countersign Test',
  domain: 'countersign-test',
} as const;

/** The identity every token authenticates as; messages the fake stores are authored by this bot. */
export const FAKE_SLACK_BOT = {
  userId: 'U0FAKEBOT',
  botId: 'B0FAKEBOT',
  appId: 'A0FAKEAPP',
  name: 'countersign',
} as const;

export type SlackFault =
  /** HTTP 429 with `Retry-After`, as Slack answers when a method's rate tier is exceeded. */
  | { kind: 'rate_limited'; retryAfterSeconds: number }
  /** A bare HTTP error (Slack's edge answers 5xx with a non-JSON body). */
  | { kind: 'http'; status: number }
  /**
   * Slack does the work, but the answer is lost on the way back (the caller sees HTTP `status`): the case that
   * makes a naive retry post twice.
   */
  | { kind: 'lost_response'; status: number }
  /** HTTP 200 with `{ok:false, error}`: how Slack reports every method-level failure. */
  | { kind: 'error'; error: string };

export interface SlackCall {
  method: string;
  /** Form fields or JSON body, minus `token`; JSON-encoded objects/arrays (blocks, view, metadata) decoded. */
  args: Record<string, unknown>;
  token: string | undefined;
  /** Date.now() when the request arrived. */
  at: number;
  /** Set when an injected fault was answered instead of the method. */
  fault?: SlackFault;
  /** The `error` code when the answer was `ok:false` (injected or genuine). */
  error?: string;
  /** The JSON body answered; absent for `http` faults. */
  response?: Readonly<Record<string, unknown>>;
}

export interface FakeSlackUser {
  id: string;
  name: string;
  realName?: string;
  tz?: string;
  /** A guest (`is_restricted`); defaults to isUltraRestricted, since a single-channel guest is a guest too. */
  isRestricted?: boolean;
  /** A single-channel guest (`is_ultra_restricted`). */
  isUltraRestricted?: boolean;
  /** Defaults to true only for FAKE_SLACK_BOT. */
  isBot?: boolean;
  /** Deactivated: users.info still answers, with `deleted: true`. */
  deleted?: boolean;
  /** Defaults to FAKE_SLACK_TEAM.id; any other team makes the user a stranger (from a shared channel's other side). */
  teamId?: string;
}

export interface FakeSlackChannel {
  id: string;
  name: string;
  topic?: string;
  members?: string[];
  isPrivate?: boolean;
}

export interface FakeSlackApiOptions {
  users?: FakeSlackUser[];
  /** Usergroup id (e.g. `S0APPROVERS`) → member user ids. */
  userGroups?: Record<string, string[]>;
  /** Channels that exist up front; any other well-formed channel id springs into existence on first use. */
  channels?: FakeSlackChannel[];
  /** Only the channels above exist: any other id is `channel_not_found`, as in a real workspace. */
  onlyListedChannels?: boolean;
  /** The scopes the bot token was granted: sent, as Slack does, in every answer's `x-oauth-scopes` header. */
  botScopes?: string[];
  /** Tokens Slack no longer accepts (revoked, or from another app): `invalid_auth`. */
  rejectedTokens?: string[];
}

export interface FakeAgentSession {
  status: string;
  statuses: string[];
  title: string;
  initiator?: string;
}

export interface FakeStreamedMessage {
  text: string;
  tasks: Record<string, Record<string, unknown>>;
  plan?: string;
  streaming: boolean;
  recipient?: { user: string; team: string };
}

export interface FakeSlackApi {
  /** Pass as WebClient's `slackApiUrl`; ends with `/api/`. */
  readonly url: string;
  /**
   * Base of the response_urls to put in interaction payloads; what an app POSTs there is recorded as a call
   * of method `response_url` (args: the JSON body, plus `hook`: the path).
   */
  readonly hooksUrl: string;
  /** Every call in arrival order, faulted and failed ones included. */
  readonly calls: readonly SlackCall[];
  callsTo(method: string): SlackCall[];
  /** The next `times` calls to `method` get `fault` (queued faults are answered first-in, first-out). */
  fail(method: string, fault: SlackFault, times?: number): void;
  /** Every call to `method` gets `fault` until clearFaults()/reset(). */
  failAlways(method: string, fault: SlackFault): void;
  clearFaults(): void;
  /** Resolves with the first successful (`ok:true`, unfaulted) call to `method` matching `predicate`, past or future. */
  waitForCall(
    method: string,
    predicate?: (call: SlackCall) => boolean,
    timeoutMs?: number,
  ): Promise<SlackCall>;
  /**
   * The agent session of a thread as Slack holds it: its status now, every status it was given in order (by
   * agents.sessions.setStatus and chat.stopStream's session_status), its title, and who started it.
   */
  agentSession(channel: string, threadTs: string): FakeAgentSession | undefined;
  /** A streamed message as it reads now: its markdown, its tasks by id (each as last updated), and whether it still streams. */
  streamedMessage(channel: string, ts: string): FakeStreamedMessage | undefined;
  /** The Home tab `userId` sees now (the view as views.publish last answered it), if one was ever published. */
  homeView(userId: string): Readonly<Record<string, unknown>> | undefined;
  /**
   * Every link Slack's servers fetched to unfurl a posted message, in order. Slack fetches each link in a message to
   * learn what it points to unless the post sets both `unfurl_links` and `unfurl_media` to false, so a URL here has
   * been requested from outside the workspace.
   */
  readonly unfurlFetches: readonly string[];
  /** Forgets calls and faults and restores the workspace to what the options described. */
  reset(): void;
  close(): Promise<void>;
}

export async function startFakeSlackApi(options: FakeSlackApiOptions = {}): Promise<FakeSlackApi> {
  const fake = new FakeSlackServer(options);
  await fake.listen();
  return fake;
}

// ---------------------------------------------------------------------------------------------------------
// Limits and formats Slack documents
// ---------------------------------------------------------------------------------------------------------

const DEFAULT_WAIT_MS = 10_000;
const MAX_REQUEST_BYTES = 5 * 1024 * 1024;
const MAX_MESSAGE_TEXT_CHARS = 40_000;
const MAX_TOPIC_CHARS = 250;
const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;
/** Agent session titles: "1-200 characters" (agents.sessions.rename; setStatus: "max 200 characters"). */
const SESSION_TITLE_MAX = 200;
/** agents.sessions.setStatus / chat.stopStream session_status: "Acceptable values". */
const SESSION_STATUSES = ['active', 'processing', 'suspended', 'closed'];
/** chat.startStream / appendStream / stopStream markdown_text: "Limit this field to 12,000 characters". */
const STREAM_MARKDOWN_MAX = 12_000;
/** chat.startStream task_display_mode: "Acceptable values: timeline plan". */
const TASK_DISPLAY_MODES = ['timeline', 'plan'];
/** A task_update chunk's status (@slack/types TaskUpdateChunk). */
const TASK_STATUSES = ['pending', 'in_progress', 'complete', 'error'];
/** A blocks chunk: "Maximum of 50 blocks". */
const CHUNK_BLOCKS_MAX = 50;
const CHANNEL_NAME = /^[a-z0-9_-]{1,80}$/;
const CHANNEL_ID = /^[CGD][A-Z0-9]{2,}$/;
const USER_ID = /^[UW][A-Z0-9]{2,}$/;
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/**
 * Fields that are strings on Slack's side even when they look like JSON (a message may quote JSON, and
 * private_metadata usually *is* JSON) — never decode these, or the fake would hand callers objects Slack wouldn't.
 */
const FREE_TEXT_FIELDS = new Set([
  'text',
  'topic',
  'purpose',
  'name',
  'private_metadata',
  'title',
  'markdown_text',
]);

// ---------------------------------------------------------------------------------------------------------
// Method-level failures
// ---------------------------------------------------------------------------------------------------------

type Args = Record<string, unknown>;
type SlackAnswer = { ok: boolean; error?: string } & Record<string, unknown>;

/** Thrown by method handlers; becomes an HTTP 200 `{ok:false, error}` answer. */
class SlackMethodError extends Error {
  constructor(
    readonly code: string,
    readonly details: string[] = [],
  ) {
    super(code);
  }

  toAnswer(): SlackAnswer {
    if (this.details.length === 0) return { ok: false, error: this.code };
    // Slack explains argument errors in response_metadata.messages, prefixed with a severity tag; chat methods
    // refusing blocks also list them, untagged, in `errors`.
    return {
      ok: false,
      error: this.code,
      ...(this.code === 'invalid_blocks' && { errors: [...this.details] }),
      response_metadata: { messages: this.details.map((detail) => `[ERROR] ${detail}`) },
    };
  }
}

function missing(field: string): SlackMethodError {
  return new SlackMethodError('invalid_arguments', [`missing required field: ${field}`]);
}

// ---------------------------------------------------------------------------------------------------------
// Reading arguments. Form bodies carry every scalar as a string, JSON bodies carry real types: accept both.
// ---------------------------------------------------------------------------------------------------------

function optionalString(args: Args, field: string): string | undefined {
  const value = args[field];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new SlackMethodError('invalid_arguments', [`${field} must be a string`]);
}

function requiredString(args: Args, field: string): string {
  const value = optionalString(args, field);
  if (value === undefined) throw missing(field);
  return value;
}

function flag(args: Args, field: string): boolean {
  const value = args[field];
  return value === true || value === 1 || value === 'true' || value === '1';
}

/** An unfurl flag set to false; left out, Slack's default holds (media unfurled, and every link fetched to tell). */
function unfurlOff(args: Args, field: string): boolean {
  const value = args[field];
  return value === false || value === 0 || value === 'false' || value === '0';
}

/** The links of a message's text as Slack finds them: `<https://…|label>`, `<https://…>`, and bare URLs. */
function linksIn(text: string): string[] {
  return [...text.matchAll(/<(https?:\/\/[^|>\s]+)(?:\|[^>]*)?>|(https?:\/\/[^\s<>|]+)/g)].map(
    (match) => match[1] ?? match[2] ?? '',
  );
}

function optionalInteger(args: Args, field: string): number | undefined {
  const text = optionalString(args, field);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value))
    throw new SlackMethodError('invalid_arguments', [`${field} must be an integer`]);
  return value;
}

/** Objects arrive decoded from form fields already; a JSON body may still carry them as strings. */
function optionalObject(args: Args, field: string): Record<string, unknown> | undefined {
  let value = args[field];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') value = tryParseJson(value);
  if (!isRecord(value)) throw new SlackMethodError('invalid_arguments', [`${field} must be a JSON object`]);
  return value;
}

function optionalArray(args: Args, field: string, invalidCode: string): unknown[] | undefined {
  let value = args[field];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') value = tryParseJson(value);
  if (!Array.isArray(value)) throw new SlackMethodError(invalidCode, [`${field} must be a JSON array`]);
  return value;
}

/** Slack takes user lists as comma-separated strings. */
function stringList(args: Args, field: string): string[] {
  const value = args[field];
  if (Array.isArray(value)) return value.map(String);
  const text = requiredString(args, field);
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Block Kit, as Slack validates it: a payload over any documented limit is refused whole, every problem named
// by a JSON pointer. Lengths count characters (code points). Block and element types the fake does not model
// pass with only their block_id / action_id checked.
// ---------------------------------------------------------------------------------------------------------

// Surfaces (blocks reference; modal views reference).
/** More blocks than this and chat.postMessage / chat.update refuse the message. */
const MESSAGE_BLOCKS_MAX = 50;
/** Modals and Home tabs hold twice a message's blocks. */
const VIEW_BLOCKS_MAX = 100;
/** A modal's title, submit and close buttons are short plain_text labels. */
const MODAL_LABEL_MAX = 24;
/** private_metadata travels back to the app in every view payload. */
const PRIVATE_METADATA_MAX = 3000;
/** callback_id identifies a view to the app; it is not for data. */
const CALLBACK_ID_MAX = 255;

// Identifiers (every block and every interactive element).
/** block_id comes back in interaction payloads. */
const BLOCK_ID_MAX = 255;
/** action_id comes back in interaction payloads. */
const ACTION_ID_MAX = 255;

// Text object (composition objects reference): at least one character, at most 3000, wherever one appears.
const TEXT_MIN = 1;
const TEXT_OBJECT_MAX = 3000;
const ANY_TEXT = ['plain_text', 'mrkdwn'] as const;
const PLAIN_TEXT = ['plain_text'] as const;

// Blocks.
/** A section's main text. */
const SECTION_TEXT_MAX = 3000;
/** A section's fields render in two narrow columns. */
const SECTION_FIELDS_MAX = 10;
const SECTION_FIELD_TEXT_MAX = 2000;
/** A header is one large, bold plain_text line. */
const HEADER_TEXT_MAX = 150;
/** A context block is a single line of small items. */
const CONTEXT_ELEMENTS_MAX = 10;
/** An actions block holds at most this many interactive elements. */
const ACTIONS_ELEMENTS_MAX = 25;
/** An input block's label and hint are plain_text around the field. */
const INPUT_LABEL_MAX = 2000;
const INPUT_HINT_MAX = 2000;

// Elements.
/** A button's face; Slack may cut it visually at ~30 characters, but refuses only past 75. */
const BUTTON_TEXT_MAX = 75;
/** A button's value comes back to the app when it is clicked. */
const BUTTON_VALUE_MAX = 2000;
const BUTTON_URL_MAX = 3000;
/** Read by screen readers instead of the button's text. */
const ACCESSIBILITY_LABEL_MAX = 75;
const BUTTON_STYLES = ['primary', 'danger'] as const;
/** Placeholders of input elements are one short plain_text line. */
const PLACEHOLDER_MAX = 150;
/** plain_text_input accepts min_length 0–3000 and max_length 1–3000. */
const PLAIN_TEXT_INPUT_MIN_LENGTH_MAX = 3000;
const PLAIN_TEXT_INPUT_MAX_LENGTH_MIN = 1;
const PLAIN_TEXT_INPUT_MAX_LENGTH_MAX = 3000;

// Confirmation dialog object.
const CONFIRM_TITLE_MAX = 100;
const CONFIRM_TEXT_MAX = 300;
const CONFIRM_BUTTON_MAX = 30;

type Problems = string[];

/** Runs `check` and returns what it found, each in Slack's words: `<what is wrong> [json-pointer:<where>]`. */
function blockKitProblems(check: (found: Problems) => void): string[] {
  const found: Problems = [];
  check(found);
  return found;
}

function problem(found: Problems, detail: string, pointer: string): void {
  found.push(`${detail} [json-pointer:${pointer}]`);
}

function characters(text: string): number {
  return Array.from(text).length;
}

function checkString(found: Problems, value: unknown, pointer: string, max: number, min = 0): void {
  if (typeof value !== 'string') {
    problem(found, 'must provide a string', pointer);
    return;
  }
  const length = characters(value);
  if (length < min) problem(found, `must be more than ${min - 1} characters`, pointer);
  if (length > max) problem(found, `must be less than ${max + 1} characters`, pointer);
}

function checkOptionalString(
  found: Problems,
  holder: Record<string, unknown>,
  field: string,
  pointer: string,
  max: number,
): void {
  if (holder[field] !== undefined) checkString(found, holder[field], `${pointer}/${field}`, max);
}

function checkInteger(found: Problems, value: unknown, pointer: string, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    problem(found, 'must provide an integer', pointer);
    return;
  }
  if (value < min) problem(found, `must be greater than or equal to ${min}`, pointer);
  if (value > max) problem(found, `must be less than or equal to ${max}`, pointer);
}

function checkEnum(found: Problems, value: unknown, allowed: readonly string[], pointer: string): void {
  if (typeof value !== 'string' || !allowed.includes(value))
    problem(found, 'must be a valid enum value', pointer);
}

/** A text object where one is expected: `plain_text` (or also `mrkdwn`), and within `max` characters. */
function checkTextObject(
  found: Problems,
  value: unknown,
  pointer: string,
  max: number,
  types: readonly string[] = ANY_TEXT,
): void {
  if (!isRecord(value)) {
    problem(found, 'must provide an object', pointer);
    return;
  }
  checkEnum(found, value.type, types, `${pointer}/type`);
  checkString(found, value.text, `${pointer}/text`, Math.min(max, TEXT_OBJECT_MAX), TEXT_MIN);
}

function checkRequiredTextObject(
  found: Problems,
  holder: Record<string, unknown>,
  field: string,
  pointer: string,
  max: number,
  types: readonly string[] = ANY_TEXT,
): void {
  if (holder[field] === undefined) {
    problem(found, `missing required field: ${field}`, pointer);
    return;
  }
  checkTextObject(found, holder[field], `${pointer}/${field}`, max, types);
}

function checkOptionalTextObject(
  found: Problems,
  holder: Record<string, unknown>,
  field: string,
  pointer: string,
  max: number,
  types: readonly string[] = ANY_TEXT,
): void {
  if (holder[field] !== undefined) checkTextObject(found, holder[field], `${pointer}/${field}`, max, types);
}

/** An array field: present when required, an array, and no longer than `max`. */
function arrayField(
  found: Problems,
  holder: Record<string, unknown>,
  field: string,
  pointer: string,
  max: number,
  required: boolean,
): unknown[] | undefined {
  const value = holder[field];
  if (value === undefined) {
    if (required) problem(found, `missing required field: ${field}`, pointer);
    return undefined;
  }
  if (!Array.isArray(value)) {
    problem(found, 'must provide an array', `${pointer}/${field}`);
    return undefined;
  }
  if (value.length > max) problem(found, `no more than ${max} items allowed`, `${pointer}/${field}`);
  return value;
}

function checkBlockList(found: Problems, blocks: unknown[], pointer: string, max: number): void {
  if (blocks.length > max) problem(found, `no more than ${max} items allowed`, pointer);
  // Interaction payloads and view state are keyed by block_id, so two blocks may not share one.
  const blockIds = new Set<string>();
  for (const [index, block] of blocks.entries()) {
    const at = `${pointer}/${index}`;
    if (!isRecord(block) || typeof block.type !== 'string') {
      problem(found, 'missing required field: type', at);
      continue;
    }
    if (block.block_id !== undefined) {
      checkString(found, block.block_id, `${at}/block_id`, BLOCK_ID_MAX);
      if (typeof block.block_id === 'string') {
        if (blockIds.has(block.block_id)) problem(found, 'must be unique', `${at}/block_id`);
        blockIds.add(block.block_id);
      }
    }
    BLOCK_CHECKS[block.type]?.(found, block, at);
  }
}

type BlockCheck = (found: Problems, block: Record<string, unknown>, pointer: string) => void;

const BLOCK_CHECKS: Record<string, BlockCheck> = {
  section(found, block, at) {
    if (block.text === undefined && block.fields === undefined) {
      problem(found, 'missing required field: text or fields', at);
      return;
    }
    checkOptionalTextObject(found, block, 'text', at, SECTION_TEXT_MAX);
    const fields = arrayField(found, block, 'fields', at, SECTION_FIELDS_MAX, false) ?? [];
    for (const [index, field] of fields.entries()) {
      checkTextObject(found, field, `${at}/fields/${index}`, SECTION_FIELD_TEXT_MAX);
    }
    if (block.accessory !== undefined) checkElement(found, block.accessory, `${at}/accessory`);
  },
  header(found, block, at) {
    checkRequiredTextObject(found, block, 'text', at, HEADER_TEXT_MAX, PLAIN_TEXT);
  },
  context(found, block, at) {
    const elements = arrayField(found, block, 'elements', at, CONTEXT_ELEMENTS_MAX, true) ?? [];
    for (const [index, element] of elements.entries()) {
      // Images are the other kind of context element; every other one is a text object.
      if (isRecord(element) && element.type === 'image') continue;
      checkTextObject(found, element, `${at}/elements/${index}`, TEXT_OBJECT_MAX);
    }
  },
  actions(found, block, at) {
    const elements = arrayField(found, block, 'elements', at, ACTIONS_ELEMENTS_MAX, true) ?? [];
    for (const [index, element] of elements.entries()) {
      checkElement(found, element, `${at}/elements/${index}`);
    }
    checkUniqueActionIds(found, elements, `${at}/elements`);
  },
  input(found, block, at) {
    checkRequiredTextObject(found, block, 'label', at, INPUT_LABEL_MAX, PLAIN_TEXT);
    checkOptionalTextObject(found, block, 'hint', at, INPUT_HINT_MAX, PLAIN_TEXT);
    if (block.element === undefined) {
      problem(found, 'missing required field: element', at);
      return;
    }
    checkElement(found, block.element, `${at}/element`);
  },
};

/** Slack tells a click apart by action_id within its block, so elements of one block may not share one. */
function checkUniqueActionIds(found: Problems, elements: unknown[], pointer: string): void {
  const actionIds = new Set<string>();
  for (const [index, element] of elements.entries()) {
    if (!isRecord(element) || typeof element.action_id !== 'string') continue;
    if (actionIds.has(element.action_id)) problem(found, 'must be unique', `${pointer}/${index}/action_id`);
    actionIds.add(element.action_id);
  }
}

type ElementCheck = (found: Problems, element: Record<string, unknown>, pointer: string) => void;

function checkElement(found: Problems, element: unknown, pointer: string): void {
  if (!isRecord(element) || typeof element.type !== 'string') {
    problem(found, 'missing required field: type', pointer);
    return;
  }
  checkOptionalString(found, element, 'action_id', pointer, ACTION_ID_MAX);
  checkOptionalTextObject(found, element, 'placeholder', pointer, PLACEHOLDER_MAX, PLAIN_TEXT);
  if (element.confirm !== undefined) checkConfirm(found, element.confirm, `${pointer}/confirm`);
  ELEMENT_CHECKS[element.type]?.(found, element, pointer);
}

const ELEMENT_CHECKS: Record<string, ElementCheck> = {
  button(found, button, at) {
    checkRequiredTextObject(found, button, 'text', at, BUTTON_TEXT_MAX, PLAIN_TEXT);
    checkOptionalString(found, button, 'value', at, BUTTON_VALUE_MAX);
    checkOptionalString(found, button, 'url', at, BUTTON_URL_MAX);
    checkOptionalString(found, button, 'accessibility_label', at, ACCESSIBILITY_LABEL_MAX);
    if (button.style !== undefined) checkEnum(found, button.style, BUTTON_STYLES, `${at}/style`);
  },
  plain_text_input(found, input, at) {
    if (input.min_length !== undefined)
      checkInteger(found, input.min_length, `${at}/min_length`, 0, PLAIN_TEXT_INPUT_MIN_LENGTH_MAX);
    if (input.max_length !== undefined)
      checkInteger(
        found,
        input.max_length,
        `${at}/max_length`,
        PLAIN_TEXT_INPUT_MAX_LENGTH_MIN,
        PLAIN_TEXT_INPUT_MAX_LENGTH_MAX,
      );
    if (input.initial_value !== undefined && typeof input.initial_value !== 'string')
      problem(found, 'must provide a string', `${at}/initial_value`);
  },
};

function checkConfirm(found: Problems, confirm: unknown, pointer: string): void {
  if (!isRecord(confirm)) {
    problem(found, 'must provide an object', pointer);
    return;
  }
  checkRequiredTextObject(found, confirm, 'title', pointer, CONFIRM_TITLE_MAX, PLAIN_TEXT);
  checkRequiredTextObject(found, confirm, 'text', pointer, CONFIRM_TEXT_MAX);
  checkRequiredTextObject(found, confirm, 'confirm', pointer, CONFIRM_BUTTON_MAX, PLAIN_TEXT);
  checkRequiredTextObject(found, confirm, 'deny', pointer, CONFIRM_BUTTON_MAX, PLAIN_TEXT);
  if (confirm.style !== undefined) checkEnum(found, confirm.style, BUTTON_STYLES, `${pointer}/style`);
}

function checkView(found: Problems, view: Record<string, unknown>, pointer: string): void {
  if (view.type === 'modal') {
    checkRequiredTextObject(found, view, 'title', pointer, MODAL_LABEL_MAX, PLAIN_TEXT);
    checkOptionalTextObject(found, view, 'submit', pointer, MODAL_LABEL_MAX, PLAIN_TEXT);
    checkOptionalTextObject(found, view, 'close', pointer, MODAL_LABEL_MAX, PLAIN_TEXT);
  }
  checkOptionalString(found, view, 'private_metadata', pointer, PRIVATE_METADATA_MAX);
  checkOptionalString(found, view, 'callback_id', pointer, CALLBACK_ID_MAX);
  const blocks = arrayField(found, view, 'blocks', pointer, Number.POSITIVE_INFINITY, true);
  if (!blocks) return;
  checkBlockList(found, blocks, `${pointer}/blocks`, VIEW_BLOCKS_MAX);
  // Without a submit button nobody could send the input.
  const hasInput = blocks.some((block) => isRecord(block) && block.type === 'input');
  if (view.type === 'modal' && hasInput && view.submit === undefined)
    problem(found, 'missing required field: submit', pointer);
}

// ---------------------------------------------------------------------------------------------------------
// Cursor pagination, the way Slack's list methods page (`limit`, `cursor`, response_metadata.next_cursor)
// ---------------------------------------------------------------------------------------------------------

interface Page<T> {
  items: T[];
  hasMore: boolean;
  nextCursor: string;
}

function paginate<T>(items: T[], args: Args, defaultLimit = DEFAULT_PAGE_SIZE): Page<T> {
  const requested = optionalInteger(args, 'limit');
  const limit = requested !== undefined && requested > 0 ? Math.min(requested, MAX_PAGE_SIZE) : defaultLimit;
  const offset = decodeCursor(optionalString(args, 'cursor'));
  const end = offset + limit;
  const hasMore = end < items.length;
  return { items: items.slice(offset, end), hasMore, nextCursor: hasMore ? encodeCursor(end) : '' };
}

function encodeCursor(offset: number): string {
  return Buffer.from(`next:${offset}`).toString('base64');
}

function decodeCursor(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  const match = /^next:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString());
  if (!match?.[1]) throw new SlackMethodError('invalid_cursor');
  return Number(match[1]);
}

// ---------------------------------------------------------------------------------------------------------
// The workspace: users, groups, channels, messages and views that Slack would hold
// ---------------------------------------------------------------------------------------------------------

interface Channel {
  id: string;
  name: string;
  topic: { value: string; creator: string; last_set: number };
  isPrivate: boolean;
  /** The other party of a direct-message channel. */
  imUser?: string;
  isArchived: boolean;
  members: string[];
}

interface StoredMessage {
  channel: string;
  ts: string;
  text: string;
  blocks?: unknown[];
  attachments?: unknown[];
  threadTs?: string;
  metadata?: Record<string, unknown>;
  editedTs?: string;
  /** A message posted by chat.startStream: its stream, open until chat.stopStream. */
  stream?: FakeStreamedMessage;
}

interface StoredView {
  id: string;
  hash: string;
  rendered: Record<string, unknown>;
}

/**
 * Slack timestamps are "<unix seconds>.<microseconds>" and double as message ids. A fixed epoch keeps them
 * deterministic and fixed-width, so they sort the same as strings and as numbers.
 */
const TS_EPOCH_SECONDS = 1_700_000_000;
const TS_STEP_MICROS = 100;

class Sequence {
  private issued = 0;

  next(): number {
    this.issued += 1;
    return this.issued;
  }
}

function slackTs(sequenceNumber: number): string {
  const micros = sequenceNumber * TS_STEP_MICROS;
  const seconds = TS_EPOCH_SECONDS + Math.floor(micros / 1_000_000);
  return `${seconds}.${String(micros % 1_000_000).padStart(6, '0')}`;
}

function slackId(prefix: string, sequenceNumber: number): string {
  return `${prefix}${String(sequenceNumber).padStart(10, '0')}`;
}

class Workspace {
  private users = new Map<string, FakeSlackUser>();
  private userGroups = new Map<string, string[]>();
  private channels = new Map<string, Channel>();
  private messages: StoredMessage[] = [];
  private views = new Map<string, StoredView>();
  /** User id → the id of their Home tab view: one per user, which every publish replaces. */
  private homes = new Map<string, string>();
  /** `<channel>/<thread_ts>` → the thread's agent session. */
  private sessions = new Map<string, FakeAgentSession>();
  private ids = new Sequence();
  private timestamps = new Sequence();
  readonly unfurlFetches: string[] = [];

  constructor(private readonly options: FakeSlackApiOptions) {
    this.seed();
  }

  reset(): void {
    this.users.clear();
    this.userGroups.clear();
    this.channels.clear();
    this.messages = [];
    this.views.clear();
    this.homes.clear();
    this.sessions.clear();
    this.ids = new Sequence();
    this.timestamps = new Sequence();
    this.unfurlFetches.length = 0;
    this.seed();
  }

  private seed(): void {
    this.users.set(FAKE_SLACK_BOT.userId, { id: FAKE_SLACK_BOT.userId, name: FAKE_SLACK_BOT.name });
    for (const user of this.options.users ?? []) this.users.set(user.id, user);
    for (const [group, members] of Object.entries(this.options.userGroups ?? {})) {
      this.userGroups.set(group, [...members]);
    }
    for (const seed of this.options.channels ?? []) {
      this.channels.set(seed.id, {
        ...this.blankChannel(seed.id, seed.name),
        topic: { value: seed.topic ?? '', creator: '', last_set: 0 },
        isPrivate: seed.isPrivate ?? false,
        members: [...(seed.members ?? [])],
      });
    }
  }

  // -- auth ---------------------------------------------------------------------------------------------

  authTest(): Args {
    return {
      url: `https://${FAKE_SLACK_TEAM.domain}.slack.com/`,
      team: FAKE_SLACK_TEAM.name,
      user: FAKE_SLACK_BOT.name,
      team_id: FAKE_SLACK_TEAM.id,
      user_id: FAKE_SLACK_BOT.userId,
      bot_id: FAKE_SLACK_BOT.botId,
      is_enterprise_install: false,
    };
  }

  // -- chat ---------------------------------------------------------------------------------------------

  postMessage(args: Args): Args {
    const channel = this.writableChannel(requiredString(args, 'channel'));
    const content = messageContent(args);
    // thread_ts is not checked against stored messages: a parent may predate the fake.
    const threadTs = optionalString(args, 'thread_ts');
    const message: StoredMessage = {
      channel: channel.id,
      ts: slackTs(this.timestamps.next()),
      text: content.text ?? '',
      ...(content.blocks && { blocks: this.withBlockIds(content.blocks) }),
      ...(content.attachments && { attachments: content.attachments }),
      ...(threadTs && { threadTs }),
      ...(content.metadata && { metadata: content.metadata }),
    };
    this.messages.push(message);
    if (!(unfurlOff(args, 'unfurl_links') && unfurlOff(args, 'unfurl_media'))) {
      this.unfurlFetches.push(...linksIn(message.text));
    }
    return { channel: channel.id, ts: message.ts, message: this.renderMessage(message, true) };
  }

  updateMessage(args: Args): Args {
    const channel = this.writableChannel(requiredString(args, 'channel'));
    const ts = requiredString(args, 'ts');
    const message = this.messages.find((stored) => stored.channel === channel.id && stored.ts === ts);
    if (!message) throw new SlackMethodError('message_not_found');
    const content = messageContent(args);
    if (content.text !== undefined) message.text = content.text;
    if (content.blocks) message.blocks = this.withBlockIds(content.blocks);
    if (content.attachments) message.attachments = content.attachments;
    if (content.metadata) message.metadata = content.metadata;
    message.editedTs = slackTs(this.timestamps.next());
    return { channel: channel.id, ts, text: message.text, message: this.renderMessage(message, true) };
  }

  postEphemeral(args: Args): Args {
    this.writableChannel(requiredString(args, 'channel'));
    this.user(requiredString(args, 'user'));
    messageContent(args);
    // Ephemeral messages are seen once by one user and never stored in history.
    return { message_ts: slackTs(this.timestamps.next()) };
  }

  // -- agent sessions and streams ---------------------------------------------------------------------------

  agentSession(channel: string, threadTs: string): FakeAgentSession | undefined {
    return this.sessions.get(`${channel}/${threadTs}`);
  }

  streamedMessage(channel: string, ts: string): FakeStreamedMessage | undefined {
    return this.messages.find((m) => m.channel === channel && m.ts === ts)?.stream;
  }

  /** agents.sessions.setStatus: creates the thread's session (title, initiator) or changes its status. */
  setSessionStatus(args: Args): Args {
    const channel = this.writableChannel(requiredString(args, 'channel_id'));
    const threadTs = requiredString(args, 'thread_ts');
    const status = sessionStatus(requiredString(args, 'status'), 'status');
    const title = optionalString(args, 'title');
    if (title !== undefined) sessionTitle(title);
    const initiator = optionalString(args, 'initiator_user_id');
    if (initiator !== undefined) this.user(initiator);
    const key = `${channel.id}/${threadTs}`;
    const session = this.sessions.get(key);
    if (session) {
      // title and initiator_user_id are "only used when creating a new session; ignored if the session already exists".
      session.status = status;
      session.statuses.push(status);
      return { status, title: session.title };
    }
    const created: FakeAgentSession = {
      status,
      statuses: [status],
      title: title ?? '',
      ...(initiator ? { initiator } : {}),
    };
    this.sessions.set(key, created);
    return { status, title: created.title };
  }

  renameSession(args: Args): Args {
    const channel = this.writableChannel(requiredString(args, 'channel_id'));
    const title = sessionTitle(requiredString(args, 'title'));
    const session = this.sessions.get(`${channel.id}/${requiredString(args, 'thread_ts')}`);
    if (!session) throw new SlackMethodError('session_not_found');
    session.title = title;
    return { title };
  }

  startStream(args: Args): Args {
    const channel = this.writableChannel(requiredString(args, 'channel'));
    const threadTs = optionalString(args, 'thread_ts');
    const user = optionalString(args, 'recipient_user_id');
    const team = optionalString(args, 'recipient_team_id');
    // Outside a DM Slack must know whose stream it is: both the user and their team.
    if (!channel.imUser && user === undefined) throw new SlackMethodError('missing_recipient_user_id');
    if (!channel.imUser && team === undefined) throw new SlackMethodError('missing_recipient_team_id');
    if (user !== undefined) this.user(user);
    const mode = optionalString(args, 'task_display_mode');
    if (mode !== undefined && !TASK_DISPLAY_MODES.includes(mode))
      throw new SlackMethodError('invalid_arguments', [
        'must be a valid enum value [json-pointer:/task_display_mode]',
      ]);
    const stream: FakeStreamedMessage = {
      text: '',
      tasks: {},
      streaming: true,
      ...(user && team ? { recipient: { user, team } } : {}),
    };
    applyStreamContent(stream, args, false);
    const message: StoredMessage = {
      channel: channel.id,
      ts: slackTs(this.timestamps.next()),
      text: stream.text,
      ...(threadTs && { threadTs }),
      stream,
    };
    this.messages.push(message);
    return { channel: channel.id, ts: message.ts };
  }

  appendStream(args: Args): Args {
    const message = this.streaming(args);
    applyStreamContent(message.stream as FakeStreamedMessage, args, true);
    message.text = message.stream?.text ?? message.text;
    return { channel: message.channel, ts: message.ts };
  }

  stopStream(args: Args): Args {
    const message = this.streaming(args);
    const stream = message.stream as FakeStreamedMessage;
    const status = sessionStatus(optionalString(args, 'session_status') ?? 'active', 'session_status');
    applyStreamContent(stream, args, false);
    const metadata = optionalObject(args, 'metadata');
    if (metadata) message.metadata = metadata;
    stream.streaming = false;
    message.text = stream.text;
    const session = message.threadTs
      ? this.sessions.get(`${message.channel}/${message.threadTs}`)
      : undefined;
    if (session) {
      session.status = status;
      session.statuses.push(status);
    }
    return { channel: message.channel, ts: message.ts, message: this.renderMessage(message, true) };
  }

  /** The open stream `channel`/`ts` names: an unknown one is not found, a stopped one takes nothing more. */
  private streaming(args: Args): StoredMessage {
    const channel = this.writableChannel(requiredString(args, 'channel'));
    const ts = requiredString(args, 'ts');
    const message = this.messages.find((m) => m.channel === channel.id && m.ts === ts);
    if (!message) throw new SlackMethodError('message_not_found');
    if (!message.stream?.streaming) throw new SlackMethodError('message_not_in_streaming_state');
    return message;
  }

  permalink(args: Args): Args {
    const channel = this.channel(requiredString(args, 'channel'));
    const ts = requiredString(args, 'message_ts');
    if (!this.messages.some((m) => m.channel === channel.id && m.ts === ts))
      throw new SlackMethodError('message_not_found');
    return {
      channel: channel.id,
      permalink: `https://${FAKE_SLACK_TEAM.domain}.slack.com/archives/${channel.id}/p${ts.replace('.', '')}`,
    };
  }

  // -- views --------------------------------------------------------------------------------------------

  /** views.open and views.push: both need a fresh trigger and create a new view. */
  openView(args: Args): Args {
    requiredString(args, 'trigger_id');
    return { view: this.storeView(slackId('V', this.ids.next()), requiredView(args)).rendered };
  }

  updateView(args: Args): Args {
    const view = requiredView(args);
    const existing = this.findView(optionalString(args, 'view_id'), optionalString(args, 'external_id'));
    const hash = optionalString(args, 'hash');
    if (hash !== undefined && hash !== existing.hash) throw new SlackMethodError('hash_conflict');
    return { view: this.storeView(existing.id, view).rendered };
  }

  /** views.publish: a user's Home tab keeps its view id, and each publish gives it a fresh hash. */
  publishHome(args: Args): Args {
    const userId = requiredString(args, 'user_id');
    this.user(userId);
    const view = requiredView(args);
    if (view.type !== 'home')
      throw new SlackMethodError('invalid_arguments', [
        'must be a valid enum value [json-pointer:/view/type]',
      ]);
    const current = this.home(userId);
    const hash = optionalString(args, 'hash');
    if (hash !== undefined && hash !== current?.hash) throw new SlackMethodError('hash_conflict');
    const stored = this.storeView(current?.id ?? slackId('V', this.ids.next()), view);
    this.homes.set(userId, stored.id);
    return { view: stored.rendered };
  }

  /** Looked up through `views`, so that a views.update of the Home tab by its view_id shows here too. */
  home(userId: string): StoredView | undefined {
    const id = this.homes.get(userId);
    return id === undefined ? undefined : this.views.get(id);
  }

  private findView(
    viewId: string | undefined,
    externalId: string | undefined,
  ): Pick<StoredView, 'id' | 'hash'> {
    if (viewId !== undefined) {
      // Lenient on purpose: tests hand the app view ids from synthesized interaction payloads the fake never
      // opened, and the app must still be able to update "that" view.
      return this.views.get(viewId) ?? { id: viewId, hash: '' };
    }
    if (externalId === undefined) throw missing('view_id');
    const found = [...this.views.values()].find((stored) => stored.rendered.external_id === externalId);
    if (!found) throw new SlackMethodError('not_found');
    return found;
  }

  private storeView(id: string, view: Record<string, unknown>): StoredView {
    const hash = `${TS_EPOCH_SECONDS}.${String(this.ids.next()).padStart(8, '0')}`;
    const blocks = Array.isArray(view.blocks) ? this.withBlockIds(view.blocks) : [];
    const rendered = {
      id,
      team_id: FAKE_SLACK_TEAM.id,
      type: view.type,
      title: view.title ?? null,
      submit: view.submit ?? null,
      close: view.close ?? null,
      blocks,
      private_metadata: view.private_metadata ?? '',
      callback_id: view.callback_id ?? '',
      external_id: view.external_id ?? '',
      state: { values: {} },
      hash,
      clear_on_close: view.clear_on_close ?? false,
      notify_on_close: view.notify_on_close ?? false,
      root_view_id: id,
      previous_view_id: null,
      app_id: FAKE_SLACK_BOT.appId,
      bot_id: FAKE_SLACK_BOT.botId,
      app_installed_team_id: FAKE_SLACK_TEAM.id,
    };
    const stored = { id, hash, rendered };
    this.views.set(id, stored);
    return stored;
  }

  // -- users --------------------------------------------------------------------------------------------

  userInfo(args: Args): Args {
    const user = this.user(requiredString(args, 'user'));
    const realName = user.realName ?? user.name;
    const teamId = user.teamId ?? FAKE_SLACK_TEAM.id;
    const isUltraRestricted = user.isUltraRestricted ?? false;
    return {
      user: {
        id: user.id,
        team_id: teamId,
        name: user.name,
        real_name: realName,
        deleted: user.deleted ?? false,
        is_bot: user.isBot ?? user.id === FAKE_SLACK_BOT.userId,
        is_restricted: user.isRestricted ?? isUltraRestricted,
        is_ultra_restricted: isUltraRestricted,
        // Slack adds is_stranger only for users of another workspace met through a shared channel.
        ...(teamId !== FAKE_SLACK_TEAM.id && { is_stranger: true }),
        tz: user.tz ?? 'UTC',
        profile: {
          display_name: user.name,
          display_name_normalized: user.name,
          real_name: realName,
          real_name_normalized: realName,
        },
      },
    };
  }

  userGroupMembers(args: Args): Args {
    const members = this.userGroups.get(requiredString(args, 'usergroup'));
    if (!members) throw new SlackMethodError('no_such_subteam');
    return { users: [...members] };
  }

  /** Replaces a user group's members, as an admin does in Slack. */
  updateUserGroupMembers(args: Args): Args {
    const group = requiredString(args, 'usergroup');
    if (!this.userGroups.has(group)) throw new SlackMethodError('no_such_subteam');
    const users = requiredString(args, 'users')
      .split(',')
      .map((u) => u.trim())
      .filter(Boolean);
    this.userGroups.set(group, users);
    return { usergroup: { id: group, users, user_count: users.length } };
  }

  private user(id: string): FakeSlackUser {
    const user = this.users.get(id);
    if (!user) throw new SlackMethodError('user_not_found');
    return user;
  }

  // -- conversations ------------------------------------------------------------------------------------

  conversationInfo(args: Args): Args {
    return { channel: renderChannel(this.channel(requiredString(args, 'channel'))) };
  }

  createConversation(args: Args): Args {
    const name = requiredString(args, 'name');
    if (!CHANNEL_NAME.test(name)) throw new SlackMethodError('invalid_name_specials');
    if (this.channelNamed(name)) throw new SlackMethodError('name_taken');
    const channel = {
      ...this.blankChannel(this.freshChannelId(), name),
      isPrivate: flag(args, 'is_private'),
    };
    channel.members.push(FAKE_SLACK_BOT.userId);
    this.channels.set(channel.id, channel);
    return { channel: renderChannel(channel) };
  }

  history(args: Args): Args {
    const channel = this.channel(requiredString(args, 'channel'));
    // History is the channel's top level, newest first; thread replies live in conversations.replies.
    const topLevel = this.messages.filter(
      (message) =>
        message.channel === channel.id && (message.threadTs === undefined || message.threadTs === message.ts),
    );
    const page = paginate(topLevel.toReversed(), args);
    const includeMetadata = flag(args, 'include_all_metadata');
    return {
      messages: page.items.map((message) => this.renderMessage(message, includeMetadata)),
      has_more: page.hasMore,
      pin_count: 0,
      response_metadata: { next_cursor: page.nextCursor },
    };
  }

  replies(args: Args): Args {
    const channel = this.channel(requiredString(args, 'channel'));
    const ts = requiredString(args, 'ts');
    const parent = this.messages.find((message) => message.channel === channel.id && message.ts === ts);
    if (!parent) throw new SlackMethodError('thread_not_found');
    const thread = [parent, ...this.repliesTo(parent)];
    const page = paginate(thread, args, MAX_PAGE_SIZE);
    const includeMetadata = flag(args, 'include_all_metadata');
    return {
      messages: page.items.map((message) => this.renderMessage(message, includeMetadata)),
      has_more: page.hasMore,
      response_metadata: { next_cursor: page.nextCursor },
    };
  }

  setTopic(args: Args): Args {
    const channel = this.writableChannel(requiredString(args, 'channel'));
    const topic = optionalString(args, 'topic') ?? '';
    if (topic.length > MAX_TOPIC_CHARS) throw new SlackMethodError('too_long');
    channel.topic = { value: topic, creator: FAKE_SLACK_BOT.userId, last_set: Math.floor(Date.now() / 1000) };
    return { channel: renderChannel(channel) };
  }

  invite(args: Args): Args {
    const channel = this.writableChannel(requiredString(args, 'channel'));
    if (channel.imUser) throw new SlackMethodError('method_not_supported_for_channel_type');
    const invitees = stringList(args, 'users');
    // Validate everyone before changing anything: Slack's invite is all-or-nothing.
    for (const id of invitees) {
      this.user(id);
      if (channel.members.includes(id)) throw new SlackMethodError('already_in_channel');
    }
    channel.members.push(...invitees);
    return { channel: renderChannel(channel) };
  }

  archive(args: Args): Args {
    const channel = this.channel(requiredString(args, 'channel'));
    if (channel.imUser) throw new SlackMethodError('method_not_supported_for_channel_type');
    if (channel.isArchived) throw new SlackMethodError('already_archived');
    channel.isArchived = true;
    return {};
  }

  members(args: Args): Args {
    const channel = this.channel(requiredString(args, 'channel'));
    const page = paginate(channel.members, args);
    return { members: page.items, response_metadata: { next_cursor: page.nextCursor } };
  }

  list(args: Args): Args {
    const types = new Set((optionalString(args, 'types') ?? 'public_channel').split(','));
    const excludeArchived = flag(args, 'exclude_archived');
    const matching = [...this.channels.values()].filter(
      (channel) => types.has(channelType(channel)) && !(excludeArchived && channel.isArchived),
    );
    const page = paginate(matching, args);
    return { channels: page.items.map(renderChannel), response_metadata: { next_cursor: page.nextCursor } };
  }

  join(args: Args): Args {
    const channel = this.writableChannel(requiredString(args, 'channel'));
    if (channel.members.includes(FAKE_SLACK_BOT.userId)) {
      return { channel: renderChannel(channel), warning: 'already_in_channel' };
    }
    channel.members.push(FAKE_SLACK_BOT.userId);
    return { channel: renderChannel(channel) };
  }

  // -- channel lookup -----------------------------------------------------------------------------------

  /** Accepts what Slack accepts in `channel`: a conversation id, a user id (their DM), or a #name. */
  private channel(reference: string): Channel {
    if (CHANNEL_ID.test(reference)) {
      const known = this.channels.get(reference);
      if (known) return known;
      if (this.options.onlyListedChannels) throw new SlackMethodError('channel_not_found');
      return this.createLazily(reference);
    }
    if (USER_ID.test(reference)) return this.directMessageWith(this.user(reference).id);
    const named = this.channelNamed(reference.replace(/^#/, ''));
    if (!named) throw new SlackMethodError('channel_not_found');
    return named;
  }

  private writableChannel(reference: string): Channel {
    const channel = this.channel(reference);
    if (channel.isArchived) throw new SlackMethodError('is_archived');
    return channel;
  }

  private createLazily(id: string): Channel {
    const channel = this.blankChannel(id, id.toLowerCase());
    this.channels.set(id, channel);
    return channel;
  }

  private directMessageWith(userId: string): Channel {
    const id = `D${userId.slice(1)}`;
    const existing = this.channels.get(id);
    if (existing) return existing;
    const channel = {
      ...this.blankChannel(id, userId),
      imUser: userId,
      members: [userId, FAKE_SLACK_BOT.userId],
    };
    this.channels.set(id, channel);
    return channel;
  }

  private channelNamed(name: string): Channel | undefined {
    return [...this.channels.values()].find((channel) => channel.name === name);
  }

  private freshChannelId(): string {
    let id = slackId('C', this.ids.next());
    while (this.channels.has(id)) id = slackId('C', this.ids.next());
    return id;
  }

  private blankChannel(id: string, name: string): Channel {
    return {
      id,
      name,
      topic: { value: '', creator: '', last_set: 0 },
      isPrivate: false,
      isArchived: false,
      members: [],
    };
  }

  // -- messages -----------------------------------------------------------------------------------------

  private repliesTo(parent: StoredMessage): StoredMessage[] {
    return this.messages.filter(
      (message) => message.channel === parent.channel && message.threadTs === parent.ts && message !== parent,
    );
  }

  private renderMessage(message: StoredMessage, includeMetadata: boolean): Args {
    const replies = this.repliesTo(message);
    const latestReply = replies.at(-1);
    return {
      type: 'message',
      text: message.text,
      user: FAKE_SLACK_BOT.userId,
      bot_id: FAKE_SLACK_BOT.botId,
      app_id: FAKE_SLACK_BOT.appId,
      team: FAKE_SLACK_TEAM.id,
      ts: message.ts,
      ...(message.blocks && { blocks: message.blocks }),
      ...(message.attachments && { attachments: message.attachments }),
      ...(message.threadTs && { thread_ts: message.threadTs }),
      ...(latestReply && {
        thread_ts: message.ts,
        reply_count: replies.length,
        latest_reply: latestReply.ts,
      }),
      ...(message.editedTs && { edited: { user: FAKE_SLACK_BOT.userId, ts: message.editedTs } }),
      ...(includeMetadata && message.metadata && { metadata: message.metadata }),
    };
  }

  /** Slack gives every block without one a block_id, and interaction payloads refer to blocks by it. */
  private withBlockIds(blocks: unknown[]): unknown[] {
    return blocks.map((block) =>
      isRecord(block) && block.block_id === undefined
        ? { ...block, block_id: `blk${this.ids.next()}` }
        : block,
    );
  }
}

function sessionStatus(status: string, field: string): string {
  if (!SESSION_STATUSES.includes(status))
    throw new SlackMethodError('invalid_arguments', [`must be a valid enum value [json-pointer:/${field}]`]);
  return status;
}

function sessionTitle(title: string): string {
  const length = characters(title);
  if (length < 1 || length > SESSION_TITLE_MAX)
    throw new SlackMethodError('invalid_arguments', [
      `must be between 1 and ${SESSION_TITLE_MAX} characters [json-pointer:/title]`,
    ]);
  return title;
}

function checkStreamMarkdown(text: unknown): string {
  if (typeof text !== 'string')
    throw new SlackMethodError('invalid_chunks', ['markdown_text must be a string']);
  if (characters(text) > STREAM_MARKDOWN_MAX) throw new SlackMethodError('msg_too_long');
  return text;
}

/**
 * A stream's content as Slack takes it: `markdown_text` or `chunks` (markdown, task and plan updates, blocks), every
 * chunk checked before any is applied. `required`: chat.appendStream needs one of them.
 */
function applyStreamContent(stream: FakeStreamedMessage, args: Args, required: boolean): void {
  const markdown = optionalString(args, 'markdown_text');
  const chunks = optionalArray(args, 'chunks', 'invalid_chunks') ?? [];
  if (required && markdown === undefined && chunks.length === 0)
    throw new SlackMethodError('invalid_arguments', ['missing required field: markdown_text or chunks']);
  if (markdown !== undefined) checkStreamMarkdown(markdown);
  for (const [index, chunk] of chunks.entries()) {
    const at = `[json-pointer:/chunks/${index}]`;
    if (!isRecord(chunk)) throw new SlackMethodError('invalid_chunks', [`must provide an object ${at}`]);
    if (chunk.type === 'markdown_text') checkStreamMarkdown(chunk.text);
    else if (chunk.type === 'task_update') {
      if (typeof chunk.id !== 'string' || chunk.id === '' || typeof chunk.title !== 'string')
        throw new SlackMethodError('invalid_chunks', [`missing required field: id or title ${at}`]);
      if (typeof chunk.status !== 'string' || !TASK_STATUSES.includes(chunk.status))
        throw new SlackMethodError('invalid_chunks', [`must be a valid enum value ${at}/status`]);
    } else if (chunk.type === 'plan_update') {
      if (typeof chunk.title !== 'string')
        throw new SlackMethodError('invalid_chunks', [`missing title ${at}`]);
    } else if (chunk.type === 'blocks') {
      const blocks = Array.isArray(chunk.blocks) ? chunk.blocks : [];
      if (blocks.length > CHUNK_BLOCKS_MAX)
        throw new SlackMethodError('invalid_chunks', [`too many blocks ${at}`]);
      checkBlocks(blocks);
    } else throw new SlackMethodError('invalid_chunks', [`unknown chunk type ${at}/type`]);
  }
  if (markdown !== undefined) stream.text += markdown;
  for (const chunk of chunks as Array<Record<string, unknown>>) {
    if (chunk.type === 'markdown_text') stream.text += String(chunk.text);
    if (chunk.type === 'plan_update') stream.plan = String(chunk.title);
    if (chunk.type === 'task_update') {
      const id = String(chunk.id);
      stream.tasks[id] = { ...stream.tasks[id], ...chunk };
    }
  }
}

interface MessageContent {
  text?: string;
  blocks?: unknown[];
  attachments?: unknown[];
  metadata?: Record<string, unknown>;
}

function messageContent(args: Args): MessageContent {
  const text = optionalString(args, 'text');
  const blocks = optionalArray(args, 'blocks', 'invalid_blocks_format');
  const attachments = optionalArray(args, 'attachments', 'invalid_attachments');
  const metadata = optionalObject(args, 'metadata');
  if (text === undefined && !blocks?.length && !attachments?.length) throw new SlackMethodError('no_text');
  if (text !== undefined && text.length > MAX_MESSAGE_TEXT_CHARS) throw new SlackMethodError('msg_too_long');
  if (blocks) checkBlocks(blocks);
  if (metadata && typeof metadata.event_type !== 'string') {
    throw new SlackMethodError('invalid_metadata_format', ['metadata.event_type is required']);
  }
  return { text, blocks, attachments, metadata };
}

function checkBlocks(blocks: unknown[]): void {
  const problems = blockKitProblems((found) => checkBlockList(found, blocks, '/blocks', MESSAGE_BLOCKS_MAX));
  if (problems.length > 0) throw new SlackMethodError('invalid_blocks', problems);
}

function requiredView(args: Args): Record<string, unknown> {
  const view = optionalObject(args, 'view');
  if (!view) throw missing('view');
  if (typeof view.type !== 'string')
    throw new SlackMethodError('invalid_arguments', ['missing required field: type']);
  const problems = blockKitProblems((found) => checkView(found, view, '/view'));
  if (problems.length > 0) throw new SlackMethodError('invalid_arguments', problems);
  return view;
}

function channelType(channel: Channel): string {
  if (channel.imUser) return 'im';
  return channel.isPrivate ? 'private_channel' : 'public_channel';
}

function renderChannel(channel: Channel): Args {
  const isIm = channel.imUser !== undefined;
  return {
    id: channel.id,
    name: channel.name,
    is_channel: !isIm && !channel.isPrivate,
    is_group: false,
    is_im: isIm,
    is_private: channel.isPrivate || isIm,
    is_archived: channel.isArchived,
    is_member: channel.members.includes(FAKE_SLACK_BOT.userId),
    created: TS_EPOCH_SECONDS,
    topic: { ...channel.topic },
    purpose: { value: '', creator: '', last_set: 0 },
    num_members: channel.members.length,
    ...(isIm && { user: channel.imUser }),
  };
}

type MethodHandler = (workspace: Workspace, args: Args) => Args;

const METHODS: Record<string, MethodHandler> = {
  'auth.test': (workspace) => workspace.authTest(),
  'chat.postMessage': (workspace, args) => workspace.postMessage(args),
  'chat.update': (workspace, args) => workspace.updateMessage(args),
  'chat.postEphemeral': (workspace, args) => workspace.postEphemeral(args),
  'chat.startStream': (workspace, args) => workspace.startStream(args),
  'chat.appendStream': (workspace, args) => workspace.appendStream(args),
  'chat.stopStream': (workspace, args) => workspace.stopStream(args),
  'chat.getPermalink': (workspace, args) => workspace.permalink(args),
  'agents.sessions.setStatus': (workspace, args) => workspace.setSessionStatus(args),
  'agents.sessions.rename': (workspace, args) => workspace.renameSession(args),
  'views.open': (workspace, args) => workspace.openView(args),
  'views.push': (workspace, args) => workspace.openView(args),
  'views.update': (workspace, args) => workspace.updateView(args),
  'views.publish': (workspace, args) => workspace.publishHome(args),
  'users.info': (workspace, args) => workspace.userInfo(args),
  'usergroups.users.list': (workspace, args) => workspace.userGroupMembers(args),
  'usergroups.users.update': (workspace, args) => workspace.updateUserGroupMembers(args),
  'conversations.info': (workspace, args) => workspace.conversationInfo(args),
  'conversations.create': (workspace, args) => workspace.createConversation(args),
  'conversations.history': (workspace, args) => workspace.history(args),
  'conversations.replies': (workspace, args) => workspace.replies(args),
  'conversations.setTopic': (workspace, args) => workspace.setTopic(args),
  'conversations.invite': (workspace, args) => workspace.invite(args),
  'conversations.archive': (workspace, args) => workspace.archive(args),
  'conversations.members': (workspace, args) => workspace.members(args),
  'conversations.list': (workspace, args) => workspace.list(args),
  'conversations.join': (workspace, args) => workspace.join(args),
};

// ---------------------------------------------------------------------------------------------------------
// Authentication, as Slack checks it before running a method
// ---------------------------------------------------------------------------------------------------------

const ACCEPTED_TOKEN_PREFIXES = ['xoxb-', 'xoxp-'];

function authError(token: string | undefined): string | undefined {
  if (token === undefined || token === '') return 'not_authed';
  if (!ACCEPTED_TOKEN_PREFIXES.some((prefix) => token.startsWith(prefix))) return 'invalid_auth';
  return undefined;
}

/** Methods that take an app-level token (xapp-), not a bot token. */
const APP_TOKEN_METHODS: Record<string, () => Args> = {
  // Socket Mode: a WebSocket URL to connect to (nothing listens there; the fake only proves the token works).
  'apps.connections.open': () => ({ url: 'wss://wss-primary.slack.invalid/link/?ticket=fake' }),
};

function answerMethod(
  workspace: Workspace,
  method: string,
  args: Args,
  token: string | undefined,
  rejectedTokens: readonly string[] = [],
): SlackAnswer {
  if (token !== undefined && rejectedTokens.includes(token)) return { ok: false, error: 'invalid_auth' };
  const appMethod = APP_TOKEN_METHODS[method];
  if (appMethod) {
    if (token === undefined || token === '') return { ok: false, error: 'not_authed' };
    return token.startsWith('xapp-')
      ? { ok: true, ...appMethod() }
      : { ok: false, error: 'not_allowed_token_type' };
  }
  const handler = METHODS[method];
  if (!handler) return { ok: false, error: 'unknown_method', req_method: method };
  const rejection = authError(token);
  if (rejection) return { ok: false, error: rejection };
  try {
    return { ok: true, ...handler(workspace, args) };
  } catch (error) {
    if (error instanceof SlackMethodError) return error.toAnswer();
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Faults and the call log
// ---------------------------------------------------------------------------------------------------------

class FaultSchedule {
  private queued = new Map<string, SlackFault[]>();
  private always = new Map<string, SlackFault>();

  add(method: string, fault: SlackFault, times: number): void {
    checkFault(fault);
    if (!Number.isInteger(times) || times < 1)
      throw new RangeError(`fail(): times must be a positive integer, got ${times}`);
    const queue = this.queued.get(method) ?? [];
    for (let i = 0; i < times; i += 1) queue.push(fault);
    this.queued.set(method, queue);
  }

  addAlways(method: string, fault: SlackFault): void {
    checkFault(fault);
    this.always.set(method, fault);
  }

  take(method: string): SlackFault | undefined {
    return this.queued.get(method)?.shift() ?? this.always.get(method);
  }

  clear(): void {
    this.queued.clear();
    this.always.clear();
  }
}

function checkFault(fault: SlackFault): void {
  if (
    (fault.kind === 'http' || fault.kind === 'lost_response') &&
    (fault.status < 400 || fault.status > 599)
  ) {
    throw new RangeError(`an http fault needs an error status (400-599), got ${fault.status}`);
  }
  if (fault.kind === 'rate_limited' && !(fault.retryAfterSeconds >= 0)) {
    throw new RangeError(`retryAfterSeconds must be >= 0, got ${fault.retryAfterSeconds}`);
  }
}

interface Waiter {
  matches(call: SlackCall): boolean;
  resolve(call: SlackCall): void;
  reject(error: Error): void;
}

function succeeded(call: SlackCall): boolean {
  return call.fault === undefined && call.error === undefined;
}

function describeCall(call: SlackCall): string {
  if (call.fault?.kind === 'http') return `${call.method} [fault: HTTP ${call.fault.status}]`;
  if (call.fault?.kind === 'lost_response')
    return `${call.method} [done, answer lost: HTTP ${call.fault.status}]`;
  if (call.fault) return `${call.method} [fault: ${call.error}]`;
  if (call.error) return `${call.method} [error: ${call.error}]`;
  return call.method;
}

class CallLog {
  readonly calls: SlackCall[] = [];
  private waiters = new Set<Waiter>();

  record(call: SlackCall): void {
    this.calls.push(call);
    for (const waiter of this.waiters) {
      if (waiter.matches(call)) waiter.resolve(call);
    }
  }

  waitFor(method: string, predicate: (call: SlackCall) => boolean, timeoutMs: number): Promise<SlackCall> {
    const matches = (call: SlackCall) => call.method === method && succeeded(call) && predicate(call);
    const already = this.calls.find(matches);
    if (already) return Promise.resolve(already);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        matches,
        resolve: (call) => {
          this.settle(waiter, timer);
          resolve(call);
        },
        reject: (error) => {
          this.settle(waiter, timer);
          reject(error);
        },
      };
      const timer = setTimeout(
        () => waiter.reject(new Error(this.timeoutMessage(method, timeoutMs))),
        timeoutMs,
      );
      this.waiters.add(waiter);
    });
  }

  clear(): void {
    this.calls.length = 0;
  }

  rejectAll(reason: string): void {
    for (const waiter of this.waiters) waiter.reject(new Error(reason));
  }

  private settle(waiter: Waiter, timer: NodeJS.Timeout): void {
    clearTimeout(timer);
    this.waiters.delete(waiter);
  }

  private timeoutMessage(method: string, timeoutMs: number): string {
    const seen = this.calls.length === 0 ? 'none' : this.calls.map(describeCall).join(', ');
    return `fake Slack: no successful ${method} call (matching the predicate) within ${timeoutMs}ms. Calls so far: ${seen}`;
  }
}

// ---------------------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------------------

function bearerToken(request: IncomingMessage): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
  return match?.[1];
}

interface ParsedRequest {
  args: Args;
  token: string | undefined;
  malformedJson: boolean;
}

/** WebClient sends form bodies (objects JSON-encoded per field, token in the header); apps may also POST JSON. */
function parseRequest(request: IncomingMessage, query: URLSearchParams, body: string): ParsedRequest {
  const args: Args = {};
  for (const [key, value] of query) args[key] = decodeFormValue(key, value);
  const isJson = (request.headers['content-type'] ?? '').startsWith('application/json');
  let malformedJson = false;
  if (isJson && body !== '') {
    const parsed = tryParseJson(body);
    if (isRecord(parsed)) Object.assign(args, parsed);
    else malformedJson = true;
  } else {
    for (const [key, value] of new URLSearchParams(body)) args[key] = decodeFormValue(key, value);
  }
  // Slack reads a token from the form as well as the header; in a JSON body it only honours the header.
  const formToken = !isJson && typeof args.token === 'string' ? args.token : undefined;
  delete args.token;
  return { args, token: bearerToken(request) ?? formToken, malformedJson };
}

function decodeFormValue(key: string, value: string): unknown {
  if (FREE_TEXT_FIELDS.has(key) || !/^\s*[[{]/.test(value)) return value;
  return tryParseJson(value);
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'content-type': JSON_CONTENT_TYPE, ...headers }).end(JSON.stringify(body));
}

function sendText(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(text);
}

const API_PATH = /^\/api\/([A-Za-z0-9_.]+)$/;
/** Where the fake's response_urls point (Slack's are on hooks.slack.com). */
const HOOK_PATH = /^\/hooks\/[A-Za-z0-9_./-]+$/;

class FakeSlackServer implements FakeSlackApi {
  private readonly server: Server;
  private readonly workspace: Workspace;
  private readonly faults = new FaultSchedule();
  private readonly log = new CallLog();
  private baseUrl = '';

  constructor(private readonly options: FakeSlackApiOptions) {
    this.workspace = new Workspace(options);
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        // A bug in the fake must not look like a Slack answer: fail loudly with the stack.
        if (!response.headersSent)
          sendText(response, 500, `fake Slack internal error: ${(error as Error).stack}`);
      });
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', resolve);
    });
    const { port } = this.server.address() as AddressInfo;
    this.baseUrl = `http://127.0.0.1:${port}/api/`;
  }

  get url(): string {
    return this.baseUrl;
  }

  get hooksUrl(): string {
    return this.baseUrl.replace(/\/api\/$/, '/hooks/');
  }

  get calls(): readonly SlackCall[] {
    return this.log.calls;
  }

  callsTo(method: string): SlackCall[] {
    return this.log.calls.filter((call) => call.method === method);
  }

  fail(method: string, fault: SlackFault, times = 1): void {
    this.faults.add(method, fault, times);
  }

  failAlways(method: string, fault: SlackFault): void {
    this.faults.addAlways(method, fault);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  waitForCall(
    method: string,
    predicate: (call: SlackCall) => boolean = () => true,
    timeoutMs = DEFAULT_WAIT_MS,
  ): Promise<SlackCall> {
    return this.log.waitFor(method, predicate, timeoutMs);
  }

  homeView(userId: string): Readonly<Record<string, unknown>> | undefined {
    return this.workspace.home(userId)?.rendered;
  }

  get unfurlFetches(): readonly string[] {
    return this.workspace.unfurlFetches;
  }

  agentSession(channel: string, threadTs: string): FakeAgentSession | undefined {
    return this.workspace.agentSession(channel, threadTs);
  }

  streamedMessage(channel: string, ts: string): FakeStreamedMessage | undefined {
    return this.workspace.streamedMessage(channel, ts);
  }

  reset(): void {
    this.log.clear();
    this.faults.clear();
    this.workspace.reset();
  }

  async close(): Promise<void> {
    this.log.rejectAll('fake Slack closed while waiting for a call');
    await new Promise<void>((resolve, reject) => {
      this.server.close((error) => (error ? reject(error) : resolve()));
      // fetch keeps connections alive; without this close() would wait for them to idle out.
      this.server.closeAllConnections();
    });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://fake-slack');
    if (HOOK_PATH.test(url.pathname)) return this.answerResponseUrl(request, response, url.pathname);
    const method = API_PATH.exec(url.pathname)?.[1];
    if (!method) return sendText(response, 404, `fake Slack: ${url.pathname} is not a Web API path`);
    let body: string;
    try {
      body = await readBody(request, MAX_REQUEST_BYTES);
    } catch (error) {
      if (error instanceof RequestTooLarge) return sendText(response, 413, 'fake Slack: request too large');
      throw error;
    }

    const { args, token, malformedJson } = parseRequest(request, url.searchParams, body);
    const call: SlackCall = { method, args, token, at: Date.now() };

    const fault = this.faults.take(method);
    if (fault && fault.kind !== 'lost_response') return this.answerFault(response, call, fault);

    const answer: SlackAnswer = malformedJson
      ? { ok: false, error: 'invalid_json' }
      : answerMethod(this.workspace, method, args, token, this.options.rejectedTokens);
    if (fault?.kind === 'lost_response') {
      this.log.record({ ...call, fault, response: answer });
      sendText(response, fault.status, `fake Slack: the answer was lost (HTTP ${fault.status})`);
      return;
    }
    // Record before answering, so a caller that has its answer can already see its call.
    this.log.record({
      ...call,
      response: answer,
      ...(answer.error !== undefined && { error: answer.error }),
    });
    const scopes = this.options.botScopes;
    sendJson(
      response,
      200,
      answer,
      scopes && token?.startsWith('xoxb-') ? { 'x-oauth-scopes': scopes.join(',') } : {},
    );
  }

  /** A message sent to a response_url: recorded, answered as Slack does (`ok`). */
  private async answerResponseUrl(
    request: IncomingMessage,
    response: ServerResponse,
    path: string,
  ): Promise<void> {
    const body = await readBody(request, MAX_REQUEST_BYTES);
    let args: Record<string, unknown>;
    try {
      args = JSON.parse(body) as Record<string, unknown>;
    } catch {
      return sendText(response, 400, 'fake Slack: a response_url takes JSON');
    }
    const call = { method: 'response_url', args: { ...args, hook: path }, token: undefined, at: Date.now() };
    const problems = Array.isArray(args.blocks)
      ? blockKitProblems((found) =>
          checkBlockList(found, args.blocks as unknown[], '/blocks', MESSAGE_BLOCKS_MAX),
        )
      : [];
    if (problems.length > 0) {
      // Like an incoming webhook, a response_url refuses with HTTP 400 and the bare error code; the recorded
      // answer keeps the reasons so that a failing test can say which limit was crossed.
      const refusal = new SlackMethodError('invalid_blocks', problems).toAnswer();
      this.log.record({ ...call, error: 'invalid_blocks', response: refusal });
      return sendText(response, 400, 'invalid_blocks');
    }
    this.log.record({ ...call, response: { ok: true } });
    sendText(response, 200, 'ok');
  }

  private answerFault(
    response: ServerResponse,
    call: SlackCall,
    fault: Exclude<SlackFault, { kind: 'lost_response' }>,
  ): void {
    if (fault.kind === 'http') {
      this.log.record({ ...call, fault });
      sendText(response, fault.status, `fake Slack: injected HTTP ${fault.status}`);
      return;
    }
    const answer = { ok: false, error: fault.kind === 'rate_limited' ? 'ratelimited' : fault.error };
    this.log.record({ ...call, fault, error: answer.error, response: answer });
    if (fault.kind === 'rate_limited') {
      sendJson(response, 429, answer, { 'retry-after': String(fault.retryAfterSeconds) });
    } else {
      sendJson(response, 200, answer);
    }
  }
}
