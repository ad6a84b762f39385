import type { KnownBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import {
  ARGUMENT_ACTION_ID,
  ARGUMENTS_JSON_BLOCK_ID,
  type EditMode,
  editableArgumentBlocks,
  editModeFor,
  readEditedArguments,
} from './edit-fields.js';

type Submitted = Record<string, Record<string, { value?: string | null }>>;
type Input = Extract<KnownBlock, { type: 'input' }>;

/** The input blocks with their plain_text_input elements, as Slack would render them. */
function inputs(blocks: KnownBlock[]): Input[] {
  for (const block of blocks) {
    expect(block.type).toBe('input');
    const input = block as Input;
    expect(input.element.type).toBe('plain_text_input');
    expect(input.optional).toBe(true);
    expect(input.element).toMatchObject({ action_id: ARGUMENT_ACTION_ID, max_length: 3000 });
  }
  return blocks as Input[];
}

function element(block: Input) {
  if (block.element.type !== 'plain_text_input') throw new Error('not a plain_text_input');
  return block.element;
}

/** What Slack sends back for a form submitted untouched: each block's initial value (null where there was none). */
function untouched(blocks: KnownBlock[]): Submitted {
  return Object.fromEntries(
    inputs(blocks).map((block) => [
      block.block_id,
      { [ARGUMENT_ACTION_ID]: { value: element(block).initial_value ?? null } },
    ]),
  );
}

function submit(entries: Record<string, string | null>): Submitted {
  return Object.fromEntries(
    Object.entries(entries).map(([blockId, value]) => [blockId, { [ARGUMENT_ACTION_ID]: { value } }]),
  );
}

const FLAT = { channel: 'C0A', count: 3, dry_run: false, text: 'Ship it' };

describe('editModeFor', () => {
  it('gives a field per argument when every argument is a string, number or boolean', () => {
    expect(editModeFor(FLAT)).toEqual({ kind: 'fields', keys: ['channel', 'count', 'dry_run', 'text'] });
  });

  it('allows ten fields, and takes an eleventh as JSON', () => {
    const ten = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, i]));
    expect(editModeFor(ten)).toEqual({ kind: 'fields', keys: Object.keys(ten) });
    expect(editModeFor({ ...ten, k10: 10 })).toEqual({ kind: 'json' });
  });

  it.each([
    ['an object', { channel: 'C0A', options: { pin: true } }],
    ['an array', { users: ['U1', 'U2'] }],
    ['null', { thread: null, text: 'hi' }],
  ])('uses one JSON field when an argument is %s', (_, args) => {
    expect(editModeFor(args)).toEqual({ kind: 'json' });
  });

  it('does not offer an edit for a call with no arguments', () => {
    expect(editModeFor({})).toEqual({ kind: 'none', why: 'the call has no arguments' });
  });

  it('allows a string of exactly 3000 characters as a field, and refuses one longer', () => {
    expect(editModeFor({ text: 'x'.repeat(3000) })).toEqual({ kind: 'fields', keys: ['text'] });
    expect(editModeFor({ text: 'x'.repeat(3001) })).toEqual({
      kind: 'none',
      why: "an argument is longer than Slack's 3000-character input",
    });
  });

  it('measures in UTF-16 units, so an input Slack counts either way still fits', () => {
    expect(editModeFor({ text: '😀'.repeat(1500) }).kind).toBe('fields');
    expect(editModeFor({ text: '😀'.repeat(1501) }).kind).toBe('none');
  });

  it('refuses JSON whose pretty form is over 3000 characters', () => {
    // `{\n  "items": [\n    "…"\n  ]\n}` takes 27 characters around the string.
    const fits = { items: ['x'.repeat(2973)] };
    expect(JSON.stringify(fits, null, 2)).toHaveLength(3000);
    expect(editModeFor(fits)).toEqual({ kind: 'json' });
    expect(editModeFor({ items: ['x'.repeat(2974)] })).toEqual({
      kind: 'none',
      why: "the arguments are longer than Slack's 3000-character input",
    });
  });

  it('refuses eleven flat arguments too long together for one JSON field', () => {
    const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'x'.repeat(300)]));
    expect(editModeFor(eleven)).toEqual({
      kind: 'none',
      why: "the arguments are longer than Slack's 3000-character input",
    });
  });

  it.each([
    ['NaN', { n: Number.NaN }],
    ['Infinity', { n: Number.POSITIVE_INFINITY }],
    ['undefined', { a: undefined }],
    ['a Date', { at: new Date(0) }],
    ['a nested undefined', { o: { a: undefined } }],
  ])('refuses an argument JSON would not carry unchanged (%s)', (_, args) => {
    expect(editModeFor(args)).toEqual({ kind: 'none', why: 'an argument is not a plain JSON value' });
  });

  it('refuses a cyclic value rather than looping', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(editModeFor({ cyclic }).kind).toBe('none');
  });

  it('takes the same object twice (not a cycle) as JSON', () => {
    const shared = { a: 1 };
    expect(editModeFor({ x: shared, y: shared })).toEqual({ kind: 'json' });
  });
});

describe('editableArgumentBlocks', () => {
  it('returns nothing when the call cannot be edited', () => {
    expect(editableArgumentBlocks({}, { kind: 'none', why: 'the call has no arguments' })).toEqual([]);
  });

  it('pre-fills a field per argument, labelled by name and hinted by type', () => {
    const blocks = inputs(editableArgumentBlocks(FLAT, editModeFor(FLAT)));
    expect(blocks.map((b) => b.block_id)).toEqual([
      'edit_argument_0',
      'edit_argument_1',
      'edit_argument_2',
      'edit_argument_3',
    ]);
    expect(blocks.map((b) => b.label.text)).toEqual(['channel', 'count', 'dry_run', 'text']);
    expect(blocks.map((b) => b.hint?.text)).toEqual(['text', 'number', 'true or false', 'text']);
    expect(blocks.map((b) => element(b).initial_value)).toEqual(['C0A', '3', 'false', 'Ship it']);
    expect(blocks.map((b) => element(b).multiline)).toEqual([false, false, false, false]);
  });

  it('numbers the blocks by the order of mode.keys', () => {
    const blocks = inputs(editableArgumentBlocks(FLAT, { kind: 'fields', keys: ['text', 'channel'] }));
    expect(blocks.map((b) => [b.block_id, b.label.text])).toEqual([
      ['edit_argument_0', 'text'],
      ['edit_argument_1', 'channel'],
    ]);
  });

  it('uses a text area for a string over 150 characters or with a line break', () => {
    const args = {
      short: 'x'.repeat(150),
      long: 'x'.repeat(151),
      lines: 'one\ntwo',
      crlf: 'one\r\ntwo',
      separator: 'one\u2028two',
    };
    const blocks = inputs(editableArgumentBlocks(args, editModeFor(args)));
    expect(blocks.map((b) => element(b).multiline)).toEqual([false, true, true, true, true]);
    expect(blocks.map((b) => element(b).initial_value)).toEqual(Object.values(args));
  });

  it('counts 150 in characters, not UTF-16 units', () => {
    const args = { emoji: '😀'.repeat(150) };
    expect(element(inputs(editableArgumentBlocks(args, editModeFor(args)))[0] as Input).multiline).toBe(
      false,
    );
  });

  it('shows names literally and cuts them to 2000 characters', () => {
    const args = { '<!channel> :tada: & *bold*': 'x', ['n'.repeat(2500)]: 'y' };
    const blocks = inputs(editableArgumentBlocks(args, editModeFor(args)));
    expect(blocks[0]?.label).toEqual({
      type: 'plain_text',
      text: '<!channel> :tada: & *bold*',
      emoji: false,
    });
    expect(Array.from(blocks[1]?.label.text ?? '')).toHaveLength(2000);
    expect(blocks[1]?.label.text.endsWith('…')).toBe(true);
  });

  it('shows a blank name quoted, since Slack refuses an empty label', () => {
    const args = { '': 'x', '  ': 'y' };
    const blocks = inputs(editableArgumentBlocks(args, editModeFor(args)));
    expect(blocks.map((b) => b.label.text)).toEqual(['""', '"  "']);
  });

  it('leaves an empty string without an initial value', () => {
    const blocks = inputs(editableArgumentBlocks({ text: '' }, editModeFor({ text: '' })));
    expect(element(blocks[0] as Input)).not.toHaveProperty('initial_value');
  });

  it('pre-fills one JSON text area with the arguments pretty-printed', () => {
    const args = { channel: 'C0A', blocks: [{ type: 'divider' }], thread: null };
    const blocks = inputs(editableArgumentBlocks(args, editModeFor(args)));
    expect(blocks).toHaveLength(1);
    expect(blocks[0]?.block_id).toBe(ARGUMENTS_JSON_BLOCK_ID);
    expect(blocks[0]?.label.text).toBe('Arguments (JSON)');
    expect(element(blocks[0] as Input)).toMatchObject({
      multiline: true,
      initial_value: JSON.stringify(args, null, 2),
    });
  });

  it('never pre-fills more than an input holds, nor gives a label or hint over 2000', () => {
    const cases = [
      { text: 'x'.repeat(3000), n: 1 },
      { items: ['x'.repeat(2973)] },
      Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`.repeat(300), 'v'.repeat(3000)])),
    ];
    for (const args of cases) {
      const mode = editModeFor(args);
      expect(mode.kind).not.toBe('none');
      for (const block of inputs(editableArgumentBlocks(args, mode))) {
        expect((element(block).initial_value ?? '').length).toBeLessThanOrEqual(3000);
        expect(Array.from(block.label.text).length).toBeLessThanOrEqual(2000);
        expect(Array.from(block.hint?.text ?? '').length).toBeLessThanOrEqual(2000);
      }
    }
  });

  it('throws when fields mode names an argument the call does not have', () => {
    expect(() => editableArgumentBlocks(FLAT, { kind: 'fields', keys: ['missing'] })).toThrow(/missing/);
  });
});

describe('readEditedArguments: a round trip', () => {
  const cases: Record<string, Record<string, unknown>> = {
    flat: FLAT,
    'numbers that print oddly': { big: 1e21, small: 5e-7, negative: -0.5, zero: -0 },
    'line breaks and empty text': { body: 'a\nb', empty: '', long: 'y'.repeat(400) },
    nested: {
      channel: 'C0A',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*hi*' } }],
      t: null,
    },
  };

  it.each(Object.entries(cases))('submitted untouched, %s is unchanged and the same object', (_, args) => {
    const mode = editModeFor(args);
    expect(mode.kind).not.toBe('none');
    const result = readEditedArguments(untouched(editableArgumentBlocks(args, mode)), mode, args);
    expect(result).toEqual({ ok: true, arguments: args, changed: false });
    if (result.ok) expect(result.arguments).toBe(args);
  });

  it('keeps a CRLF string that comes back with LF, as a browser text area sends it', () => {
    const args = { body: 'one\r\ntwo\rthree' };
    const mode = editModeFor(args);
    const result = readEditedArguments(submit({ edit_argument_0: 'one\ntwo\nthree' }), mode, args);
    expect(result).toEqual({ ok: true, arguments: args, changed: false });
  });

  it('keeps every original value when no block came back', () => {
    expect(readEditedArguments({}, editModeFor(FLAT), FLAT)).toEqual({
      ok: true,
      arguments: FLAT,
      changed: false,
    });
    const nested = { a: [1] };
    expect(readEditedArguments({}, { kind: 'json' }, nested)).toEqual({
      ok: true,
      arguments: nested,
      changed: false,
    });
  });

  it('keeps the original for a block without our action', () => {
    const values: Submitted = { edit_argument_0: { other_action: { value: 'C0B' } } };
    expect(readEditedArguments(values, editModeFor(FLAT), FLAT)).toEqual({
      ok: true,
      arguments: FLAT,
      changed: false,
    });
  });

  it('has nothing to read when the call cannot be edited', () => {
    const args = { text: 'x'.repeat(4000) };
    expect(readEditedArguments(submit({ edit_argument_0: 'y' }), editModeFor(args), args)).toEqual({
      ok: true,
      arguments: args,
      changed: false,
    });
  });

  it('counts JSON with its keys reordered and respaced as unchanged', () => {
    const args = { a: 1, b: { c: [1, 2], d: 'x' } };
    const result = readEditedArguments(
      submit({ [ARGUMENTS_JSON_BLOCK_ID]: '{"b":{"d":"x","c":[1,2]},"a":1.0}' }),
      { kind: 'json' },
      args,
    );
    expect(result).toEqual({ ok: true, arguments: args, changed: false });
  });
});

describe('readEditedArguments: fields', () => {
  const mode: EditMode = editModeFor(FLAT);

  it('reads every field back as its type', () => {
    const result = readEditedArguments(
      submit({
        edit_argument_0: 'C0B',
        edit_argument_1: ' 12.5 ',
        edit_argument_2: 'TRUE',
        edit_argument_3: 'Hold',
      }),
      mode,
      FLAT,
    );
    expect(result).toEqual({
      ok: true,
      arguments: { channel: 'C0B', count: 12.5, dry_run: true, text: 'Hold' },
      changed: true,
    });
  });

  it('changes only the fields that came back, in the original key order', () => {
    const result = readEditedArguments(submit({ edit_argument_1: '4' }), mode, FLAT);
    expect(result).toEqual({ ok: true, arguments: { ...FLAT, count: 4 }, changed: true });
    if (result.ok) expect(Object.keys(result.arguments)).toEqual(Object.keys(FLAT));
  });

  it('makes an emptied text field the empty string', () => {
    const result = readEditedArguments(submit({ edit_argument_3: null }), mode, FLAT);
    expect(result).toEqual({ ok: true, arguments: { ...FLAT, text: '' }, changed: true });
  });

  it('keeps text exactly as typed, spaces and all', () => {
    const result = readEditedArguments(submit({ edit_argument_3: '  two  spaces ' }), mode, FLAT);
    expect(result).toEqual({ ok: true, arguments: { ...FLAT, text: '  two  spaces ' }, changed: true });
  });

  it.each(['42', '-1', '+7', '0.5', '.5', '5.', '1e3', '1E-2', '1e+21'])('reads %s as a number', (typed) => {
    const result = readEditedArguments(submit({ edit_argument_1: typed }), mode, FLAT);
    expect(result).toMatchObject({ ok: true, arguments: { count: Number(typed) } });
  });

  it.each(['abc', '', '   ', '0x10', 'Infinity', 'NaN', '1e999', '1,000', '12abc', '--1'])(
    'refuses %j as a number, under its own block',
    (typed) => {
      expect(readEditedArguments(submit({ edit_argument_1: typed }), mode, FLAT)).toEqual({
        ok: false,
        errors: { edit_argument_1: 'a number, e.g. 42' },
      });
    },
  );

  it('refuses an emptied number field', () => {
    expect(readEditedArguments(submit({ edit_argument_1: null }), mode, FLAT)).toEqual({
      ok: false,
      errors: { edit_argument_1: 'a number, e.g. 42' },
    });
  });

  it.each([
    ['true', true],
    ['false', false],
    ['True', true],
    ['FALSE', false],
    [' true ', true],
  ])('reads %j as a boolean', (typed, value) => {
    expect(readEditedArguments(submit({ edit_argument_2: typed }), mode, FLAT)).toMatchObject({
      ok: true,
      arguments: { dry_run: value },
    });
  });

  it.each(['yes', '1', 't', '', null])('refuses %j as a boolean, under its own block', (typed) => {
    expect(readEditedArguments(submit({ edit_argument_2: typed }), mode, FLAT)).toEqual({
      ok: false,
      errors: { edit_argument_2: 'true or false' },
    });
  });

  it('gives every bad field its own error at once', () => {
    const result = readEditedArguments(
      submit({ edit_argument_0: 'C0B', edit_argument_1: 'many', edit_argument_2: 'maybe' }),
      mode,
      FLAT,
    );
    expect(result).toEqual({
      ok: false,
      errors: { edit_argument_1: 'a number, e.g. 42', edit_argument_2: 'true or false' },
    });
  });

  it('keys errors by the index in mode.keys, not in the arguments', () => {
    const reordered: EditMode = { kind: 'fields', keys: ['dry_run', 'count'] };
    expect(
      readEditedArguments(submit({ edit_argument_0: 'x', edit_argument_1: 'y' }), reordered, FLAT),
    ).toEqual({
      ok: false,
      errors: { edit_argument_0: 'true or false', edit_argument_1: 'a number, e.g. 42' },
    });
  });

  it('keeps an argument named __proto__ an argument', () => {
    const args = JSON.parse('{"__proto__": "a", "b": 1}') as Record<string, unknown>;
    const fields = editModeFor(args);
    expect(fields).toEqual({ kind: 'fields', keys: ['__proto__', 'b'] });
    const result = readEditedArguments(submit({ edit_argument_0: 'z' }), fields, args);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(Object.getPrototypeOf(result.arguments)).toBe(Object.prototype);
    expect(Object.hasOwn(result.arguments, '__proto__')).toBe(true);
    expect(JSON.stringify(result.arguments)).toBe('{"__proto__":"z","b":1}');
    expect(result.changed).toBe(true);
  });

  it('throws when fields mode names an argument the call does not have', () => {
    expect(() => readEditedArguments({}, { kind: 'fields', keys: ['missing'] }, FLAT)).toThrow(/missing/);
  });
});

describe('readEditedArguments: JSON', () => {
  const args = { channel: 'C0A', blocks: [{ type: 'divider' }] };
  const json = (value: string | null) =>
    readEditedArguments(submit({ [ARGUMENTS_JSON_BLOCK_ID]: value }), { kind: 'json' }, args);

  it('reads an edited object, adding and removing arguments', () => {
    expect(json('{"channel": "C0B", "thread": "1.2"}')).toEqual({
      ok: true,
      arguments: { channel: 'C0B', thread: '1.2' },
      changed: true,
    });
  });

  it('counts a changed item deep inside as a change', () => {
    expect(json('{"channel": "C0A", "blocks": [{"type": "header"}]}')).toMatchObject({
      ok: true,
      changed: true,
    });
    expect(json('{"channel": "C0A", "blocks": [{"type": "divider"}, {"type": "divider"}]}')).toMatchObject({
      ok: true,
      changed: true,
    });
  });

  it('says why JSON does not parse', () => {
    const result = json('{"channel": ');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(Object.keys(result.errors)).toEqual([ARGUMENTS_JSON_BLOCK_ID]);
    expect(result.errors[ARGUMENTS_JSON_BLOCK_ID]).toMatch(/^not valid JSON: \S/);
  });

  it('refuses an emptied field as invalid JSON', () => {
    expect(json(null)).toMatchObject({
      ok: false,
      errors: { [ARGUMENTS_JSON_BLOCK_ID]: expect.stringMatching(/^not valid JSON: /) },
    });
  });

  it('keeps the parse error short', () => {
    const result = json(`{"a": ${'x'.repeat(2900)}}`);
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(Array.from(result.errors[ARGUMENTS_JSON_BLOCK_ID] ?? '').length).toBeLessThanOrEqual(216);
  });

  it.each(['[1, 2]', '"text"', '42', 'null', 'true'])('refuses %s: not an object of arguments', (typed) => {
    expect(json(typed)).toEqual({
      ok: false,
      errors: { [ARGUMENTS_JSON_BLOCK_ID]: 'must be a JSON object of arguments' },
    });
  });

  it('accepts an empty object: the approver removed every argument', () => {
    expect(json('{}')).toEqual({ ok: true, arguments: {}, changed: true });
  });
});
