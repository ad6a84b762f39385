// Edit before approve: the decision form's inputs for changing a tool call's arguments, and reading them back. A
// field per argument when the call is flat and small, one JSON field otherwise, and no editing at all when a value
// cannot fit Slack's input whole: a form that showed a value cut would send the cut value unless someone noticed.
// Pure: no I/O, so the listener decides what an edit means for the approval (a new digest, the audit, the card).
import type { KnownBlock } from '@slack/types';
import { truncate } from '../blocks/text.js';

export const ARGUMENTS_JSON_BLOCK_ID = 'edit_arguments_json';
export const ARGUMENT_ACTION_ID = 'edit_argument';

/** A field per argument when every argument is a string, number or boolean (at most 10); else one JSON field; else none. */
export type EditMode = { kind: 'fields'; keys: string[] } | { kind: 'json' } | { kind: 'none'; why: string };

/** Slack's max_length for a plain_text_input; an initial_value over it makes views.open fail. */
const INPUT_MAX = 3000;
/** More fields than this make a long form; a JSON field reads better. */
const FIELDS_MAX = 10;
/** Block Kit: an input block's label and hint hold at most 2000 characters. */
const LABEL_MAX = 2000;
/** A string longer than this gets a text area, so the approver sees it whole while editing. */
const SINGLE_LINE_MAX = 150;
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

/** The form's inputs, pre-filled with the call as it stands (the caller adds the heading). */
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

/** The arguments as submitted, whether they changed, or what is wrong keyed by block id (for `response_action: errors`). */
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
