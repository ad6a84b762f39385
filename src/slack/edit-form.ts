// Edit before approve: the decision form's inputs for changing a tool call's arguments, and reading them back. A
// field per argument when the call is flat and small, one JSON field otherwise, and no editing at all when a value
// cannot fit Slack's input whole: a form that showed a value cut would send the cut value unless someone noticed.
// Pure: no I/O, so the listener decides what an edit means for the approval (a new digest, the audit, the card).
import type { KnownBlock } from '@slack/types';
import { truncate } from './blocks/text.js';

export const ARGUMENTS_JSON_BLOCK_ID = 'edit_arguments_json';
export const ARGUMENT_ACTION_ID = 'edit_argument';

/** How the form lets this call be edited: a field per argument when every argument is a string, number or boolean (at most 10 of them); otherwise one JSON text field; not at all when a value cannot fit Slack's 3000-character input. */
export type EditMode = { kind: 'fields'; keys: string[] } | { kind: 'json' } | { kind: 'none'; why: string };

/** Slack's max_length for a plain_text_input; an initial_value over it makes views.open fail. */
const INPUT_MAX = 3000;
/** More fields than this make a long form; a JSON field reads better. */
const FIELDS_MAX = 10;
/** Block Kit: an input block's label and hint hold at most 2000 characters. */
const LABEL_MAX = 2000;
/** A string longer than this gets a text area, so the approver sees it whole while editing. */
const SINGLE_LINE_MAX = 150;
const CHANGES_MAX = 1000;
/** A string this short is shown whole in the list of changes; a longer one only by its length. */
const SHOWN_STRING_MAX = 60;
/** V8's parse messages quote the input; Slack shows the error under the field, where a line is enough. */
const PARSE_MESSAGE_MAX = 200;
const LINE_BREAK = /[\r\n\u2028\u2029]/;
/** A number as people type it: no hex, no `Infinity`, and not the empty string (which Number() reads as 0). */
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

const TOO_LONG_ARGUMENT = "an argument is longer than Slack's 3000-character input";
const TOO_LONG_ARGUMENTS = "the arguments are longer than Slack's 3000-character input";

type FieldKind = 'number' | 'boolean' | 'text';
const HINT: Record<FieldKind, string> = { number: 'number', boolean: 'true or false', text: 'text' };
const FIELD_ERROR: Record<Exclude<FieldKind, 'text'>, string> = {
  number: 'a number, e.g. 42',
  boolean: 'true or false',
};

/** Block ids are numbered, not named: an argument's name may be any length and any characters. */
function fieldBlockId(index: number): string {
  return `edit_argument_${index}`;
}

function fieldKind(value: unknown): FieldKind | undefined {
  if (typeof value === 'string') return 'text';
  if (typeof value === 'boolean') return 'boolean';
  // NaN and Infinity could be shown but never typed back (nor sent as JSON).
  if (typeof value === 'number' && Number.isFinite(value)) return 'number';
  return undefined;
}

/** Measured in UTF-16 units, which is never less than Slack's count, however it counts: an input that fits here fits. */
function fitsInput(text: string): boolean {
  return text.length <= INPUT_MAX;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** Whether JSON carries the value unchanged: otherwise a JSON field would quietly drop or convert part of it. */
function isJsonValue(value: unknown, seen = new Set<object>()): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value !== 'object' || seen.has(value)) return false;
  if (!Array.isArray(value) && !isPlainObject(value)) return false;
  seen.add(value);
  const ok = Object.values(value).every((item) => isJsonValue(item, seen));
  seen.delete(value);
  return ok;
}

/** Deep equality of JSON values; the order of an object's keys does not count, the order of an array's items does. */
function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  }
  const aRecord = a as Record<string, unknown>;
  const bRecord = b as Record<string, unknown>;
  const keys = Object.keys(aRecord);
  return (
    keys.length === Object.keys(bRecord).length &&
    keys.every((key) => Object.hasOwn(bRecord, key) && jsonEqual(aRecord[key], bRecord[key]))
  );
}

function prettyJson(args: Record<string, unknown>): string {
  return JSON.stringify(args, null, 2);
}

/** Slack refuses empty plain_text, and a blank name would be invisible: those are shown quoted. */
function argumentName(key: string, max: number): string {
  return key.trim() === '' ? JSON.stringify(key) : truncate(key, max);
}

export function editModeFor(args: Record<string, unknown>): EditMode {
  const keys = Object.keys(args);
  if (keys.length === 0) return { kind: 'none', why: 'the call has no arguments' };
  if (!isJsonValue(args)) return { kind: 'none', why: 'an argument is not a plain JSON value' };
  const values = Object.values(args);
  if (keys.length <= FIELDS_MAX && values.every((value) => fieldKind(value) !== undefined)) {
    if (!values.every((value) => fitsInput(String(value)))) return { kind: 'none', why: TOO_LONG_ARGUMENT };
    return { kind: 'fields', keys };
  }
  return fitsInput(prettyJson(args)) ? { kind: 'json' } : { kind: 'none', why: TOO_LONG_ARGUMENTS };
}

/** The argument a fields-mode key names, and how it is typed; a key the call does not have is a caller's bug. */
function fieldOf(
  args: Record<string, unknown>,
  key: string,
): { value: string | number | boolean; kind: FieldKind } {
  const value = Object.hasOwn(args, key) ? args[key] : undefined;
  const kind = fieldKind(value);
  if (kind === undefined) {
    throw new Error(
      `edit form: argument ${JSON.stringify(key)} is not a string, number or boolean of this call`,
    );
  }
  return { value: value as string | number | boolean, kind };
}

function isMultiline(text: string): boolean {
  return Array.from(text).length > SINGLE_LINE_MAX || LINE_BREAK.test(text);
}

function inputBlock(options: {
  blockId: string;
  label: string;
  hint: string;
  value: string;
  multiline: boolean;
}): KnownBlock {
  return {
    type: 'input',
    block_id: options.blockId,
    optional: true,
    // Literal, like the form's other foreign text: an argument named `:tada:` is shown as typed.
    label: { type: 'plain_text', text: options.label, emoji: false },
    hint: { type: 'plain_text', text: options.hint },
    element: {
      type: 'plain_text_input',
      action_id: ARGUMENT_ACTION_ID,
      multiline: options.multiline,
      max_length: INPUT_MAX,
      // An empty initial_value shows the same as none, and is one thing less for Slack to refuse.
      ...(options.value === '' ? {} : { initial_value: options.value }),
    },
  };
}

/** The input blocks for the modal (Block Kit `input` blocks with `plain_text_input` elements, `optional: true`, each pre-filled with `initial_value` = the current value; a multiline one for strings over 150 chars or containing a newline, and for JSON (pretty-printed with 2 spaces)). Fields mode: block ids `edit_argument_<index>` (index into keys), label = the argument name (escape nothing: labels are plain_text; truncate to 2000), hint says its type ("number", "true or false", "text"). JSON mode: one block ARGUMENTS_JSON_BLOCK_ID labelled "Arguments (JSON)". Returns [] for kind none. A leading `section` or `context` block is NOT included (the caller adds one). */
export function editableArgumentBlocks(args: Record<string, unknown>, mode: EditMode): KnownBlock[] {
  switch (mode.kind) {
    case 'none':
      return [];
    case 'json':
      return [
        inputBlock({
          blockId: ARGUMENTS_JSON_BLOCK_ID,
          label: 'Arguments (JSON)',
          hint: 'A JSON object: the arguments exactly as the tool will receive them.',
          value: prettyJson(args),
          multiline: true,
        }),
      ];
    case 'fields':
      return mode.keys.map((key, index) => {
        const { value, kind } = fieldOf(args, key);
        const text = String(value);
        return inputBlock({
          blockId: fieldBlockId(index),
          label: argumentName(key, LABEL_MAX),
          hint: HINT[kind],
          value: text,
          multiline: kind === 'text' && isMultiline(text),
        });
      });
  }
}

type Submitted = Record<string, Record<string, { value?: string | null }>>;

/** What a block holds: `undefined` when the block was not in the form, `null` when it was emptied. */
function submittedValue(values: Submitted, blockId: string): string | null | undefined {
  const block = Object.hasOwn(values, blockId) ? values[blockId] : undefined;
  if (block === undefined || !Object.hasOwn(block, ARGUMENT_ACTION_ID)) return undefined;
  return block[ARGUMENT_ACTION_ID]?.value ?? null;
}

function readField(
  submitted: string | null,
  original: string | number | boolean,
  kind: FieldKind,
): { ok: true; value: unknown } | { ok: false } {
  if (kind === 'text') {
    const text = submitted ?? '';
    // Browsers hand a text area's value back with CRLF as LF: an untouched field must not change the call.
    if (typeof original === 'string' && text === original.replace(/\r\n?/g, '\n'))
      return { ok: true, value: original };
    return { ok: true, value: text };
  }
  const typed = (submitted ?? '').trim();
  if (kind === 'boolean') {
    const lower = typed.toLowerCase();
    return lower === 'true' || lower === 'false' ? { ok: true, value: lower === 'true' } : { ok: false };
  }
  const number = Number(typed);
  return NUMBER.test(typed) && Number.isFinite(number) ? { ok: true, value: number } : { ok: false };
}

function readJson(
  submitted: string | null,
): { ok: true; value: Record<string, unknown> } | { ok: false; error: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(submitted ?? '');
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, error: `not valid JSON: ${truncate(message, PARSE_MESSAGE_MAX)}` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { ok: false, error: 'must be a JSON object of arguments' };
  }
  return { ok: true, value: parsed as Record<string, unknown> };
}

/** Reads the submitted form back: the arguments as edited, `changed` when they differ from `original` (deep equality of JSON values), or errors keyed by block id as Slack's `response_action: "errors"` wants them. Slack sends `view.state.values[blockId][actionId].value` (a string, or null when emptied). Fields: a number field must parse as a finite number (error "a number, e.g. 42"); a boolean field must be true or false, case-insensitive (error "true or false"); a text field emptied becomes "" ; a missing block (not in values) keeps the original value. JSON: must parse (error: "not valid JSON: <message>") to an object that is not an array (error "must be a JSON object of arguments"). Keys are taken from mode.keys; a key not in original is impossible in fields mode. */
export function readEditedArguments(
  values: Submitted,
  mode: EditMode,
  original: Record<string, unknown>,
):
  | { ok: true; arguments: Record<string, unknown>; changed: boolean }
  | { ok: false; errors: Record<string, string> } {
  let edited: Record<string, unknown>;
  switch (mode.kind) {
    case 'none':
      return { ok: true, arguments: original, changed: false };
    case 'json': {
      const submitted = submittedValue(values, ARGUMENTS_JSON_BLOCK_ID);
      if (submitted === undefined) return { ok: true, arguments: original, changed: false };
      const read = readJson(submitted);
      if (!read.ok) return { ok: false, errors: { [ARGUMENTS_JSON_BLOCK_ID]: read.error } };
      edited = read.value;
      break;
    }
    case 'fields': {
      const errors: Record<string, string> = {};
      const replaced = new Map<string, unknown>();
      mode.keys.forEach((key, index) => {
        const { value, kind } = fieldOf(original, key);
        const submitted = submittedValue(values, fieldBlockId(index));
        if (submitted === undefined) return;
        const read = readField(submitted, value, kind);
        if (read.ok) replaced.set(key, read.value);
        else if (kind !== 'text') errors[fieldBlockId(index)] = FIELD_ERROR[kind];
      });
      if (Object.keys(errors).length > 0) return { ok: false, errors };
      // Built from entries, not assigned key by key: an argument named `__proto__` stays an argument.
      edited = Object.fromEntries(
        Object.entries(original).map(([key, value]) => [key, replaced.has(key) ? replaced.get(key) : value]),
      );
      break;
    }
  }
  // Unchanged means the original itself, key order and all, so nothing downstream sees a different call.
  return jsonEqual(original, edited)
    ? { ok: true, arguments: original, changed: false }
    : { ok: true, arguments: edited, changed: true };
}

function characters(text: string): number {
  return Array.from(text).length;
}

/** A value as the list of changes shows it; `undefined` for objects and arrays, which are only said to change. */
function shownValue(value: unknown): string | undefined {
  if (typeof value === 'string') {
    const length = characters(value);
    return length <= SHOWN_STRING_MAX ? JSON.stringify(value) : `(${length} characters)`;
  }
  if (typeof value === 'object' && value !== null) return undefined;
  return JSON.stringify(value) ?? String(value);
}

function isLongString(value: unknown): value is string {
  return typeof value === 'string' && characters(value) > SHOWN_STRING_MAX;
}

function changeOf(
  key: string,
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): string | undefined {
  const had = Object.hasOwn(before, key);
  const has = Object.hasOwn(after, key);
  const name = argumentName(key, 100);
  if (!had) {
    const shown = shownValue(after[key]);
    return `${name}: added${shown === undefined ? '' : `, ${shown}`}`;
  }
  if (!has) {
    const shown = shownValue(before[key]);
    return `${name}: removed${shown === undefined ? '' : `, was ${shown}`}`;
  }
  const [old, now] = [before[key], after[key]];
  if (jsonEqual(old, now)) return undefined;
  if (typeof old === 'string' && typeof now === 'string' && (isLongString(old) || isLongString(now))) {
    return `${name}: (changed, ${characters(old)} → ${characters(now)} characters)`;
  }
  const [oldShown, nowShown] = [shownValue(old), shownValue(now)];
  if (oldShown === undefined || nowShown === undefined) return `${name}: (changed)`;
  return `${name}: ${oldShown} → ${nowShown}`;
}

/** "channel: C0A → C0B; text: (changed, 120 → 98 characters)": what an edit changed, one entry per top-level key that was added, removed or changed, for the card and the audit. Strings up to 60 characters are shown whole in backticks-free form as JSON (`"abc"`), longer ones summarised by length; objects/arrays as "(changed)". Keys sorted. At most 1000 characters (truncate with "…"). */
export function describeChanges(before: Record<string, unknown>, after: Record<string, unknown>): string {
  // Sorted by code unit, not locale, so the audit reads the same on every machine.
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort((a, b) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  const entries = keys.flatMap((key) => changeOf(key, before, after) ?? []);
  return truncate(entries.join('; '), CHANGES_MAX);
}
