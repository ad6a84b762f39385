// What the hand-edited JSON-with-comments files (POLICY_FILE, MCP_CONFIG) share: reading them, and problems
// located at a line, column and field, so that each file's own checks are the only thing that differs.
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import {
  findNodeAtLocation,
  type JSONPath,
  type Node,
  type ParseError,
  type ParseOptions,
  parse,
  parseTree,
  printParseErrorCode,
  stripComments,
} from 'jsonc-parser';
import type { z } from 'zod';

/** Problems listed in one error: enough to fix a file in one pass; a file with more is likely not the right file. */
const PROBLEMS_SHOWN_MAX = 20;

// Comments and trailing commas are what make a hand-edited file pleasant; anything else stays strict JSON.
const JSONC: ParseOptions = { allowTrailingComma: true, disallowComments: false, allowEmptyContent: false };

/** A file that cannot be used; the message lists every problem with its line, column and field. */
export class JsoncFileError extends Error {
  constructor(
    message: string,
    /** The file could not be read at all (missing, a directory, no permission), as opposed to read and refused. */
    readonly unreadable = false,
  ) {
    super(message);
  }
}

export const quoted = (input: unknown) => JSON.stringify(input);

export interface Problem {
  path: JSONPath;
  message: string;
  /** Point at the field's name rather than its value (an unknown key). */
  atKey?: boolean;
  /** Already known: the path alone cannot tell two equal keys apart. */
  offset?: number;
}

/** A problem with its place in the text, `text` being what follows "line L, column C". */
export interface LocatedProblem {
  offset: number;
  text: string;
}

/** The file's text, or why it cannot be read; a relative path is read from the working directory. */
export function readTextFile(path: string): { text: string } | { unreadable: string } {
  try {
    // Some editors on Windows start a UTF-8 file with a byte-order mark, which is not JSON.
    return { text: readFileSync(path, 'utf8').replace(/^\uFEFF/, '') };
  } catch (error) {
    // Node's message repeats the path after a comma ("ENOENT: no such file or directory, open '…'").
    const reason = error instanceof Error ? (error.message.split(',')[0] ?? error.message) : String(error);
    // A relative path is read from wherever the app was started, which is worth seeing when it is not found.
    const where = isAbsolute(path) ? '' : ` at ${resolve(path)}`;
    return { unreadable: `cannot read ${path} (${reason}${where})` };
  }
}

/**
 * The parsed value and its syntax tree, or the syntax problems. `file.what` names the file's content ("the policy"),
 * `file.empty` says what to do with a file that holds nothing but comments.
 */
export function parseJsonc(
  text: string,
  file: { what: string; empty: string },
): { raw: unknown; tree: Node | undefined } | { syntax: LocatedProblem[] } {
  const errors: ParseError[] = [];
  const raw: unknown = parse(text, errors, JSONC);
  if (errors.length > 0 || raw === undefined) return { syntax: syntaxProblems(text, errors, file) };
  return { raw, tree: parseTree(text, undefined, JSONC) };
}

/** `tools.archive_channel.stages[0].required`, as a person would write it. */
function fieldPath(path: JSONPath): string {
  return path
    .map((segment, index) => {
      if (typeof segment === 'number') return `[${segment}]`;
      if (!/^[A-Za-z_$][\w$]*$/.test(segment)) return `[${quoted(segment)}]`;
      return index === 0 ? segment : `.${segment}`;
    })
    .join('');
}

/** 1-based line and column of an offset, as editors count them. */
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: offset - lineStart + 1 };
}

/** Where a problem is: its own node, else the nearest enclosing one that exists (e.g. the rule of a missing field). */
function offsetOf(tree: Node | undefined, problem: Problem): number {
  if (problem.offset !== undefined) return problem.offset;
  if (!tree) return 0;
  for (let depth = problem.path.length; depth >= 0; depth--) {
    const node = findNodeAtLocation(tree, problem.path.slice(0, depth));
    if (!node) continue;
    const key = node.parent?.type === 'property' ? node.parent.children?.[0] : undefined;
    return problem.atKey && depth === problem.path.length && key ? key.offset : node.offset;
  }
  return 0;
}

export function locateProblems(tree: Node | undefined, problems: Problem[]): LocatedProblem[] {
  return problems.map((problem) => ({
    offset: offsetOf(tree, problem),
    text: `${problem.path.length > 0 ? `, ${fieldPath(problem.path)}` : ''}: ${problem.message}`,
  }));
}

/** One line for one problem, else a count and a line each, in file order; `title` is e.g. "Invalid approval policy". */
export function problemsMessage(
  title: string,
  source: string,
  text: string,
  located: LocatedProblem[],
): string {
  const lines = located
    .sort((a, b) => a.offset - b.offset)
    .map(({ offset, text: message }) => {
      const { line, column } = lineAndColumn(text, offset);
      return `line ${line}, column ${column}${message}`;
    });
  if (lines.length === 1) return `${title} ${source} — ${lines[0]}`;
  const shown = lines.slice(0, PROBLEMS_SHOWN_MAX);
  const more = lines.length - shown.length;
  return [
    `${title} ${source} — ${lines.length} problems:`,
    ...shown.map((line) => `  ${line}`),
    ...(more > 0 ? [`  … and ${more} more`] : []),
  ].join('\n');
}

const SYNTAX_MESSAGES: Record<
  Exclude<ReturnType<typeof printParseErrorCode>, 'EndOfFileExpected'>,
  string
> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'not a valid number',
  PropertyNameExpected: 'expected a field name in double quotes',
  ValueExpected: 'expected a value',
  ColonExpected: 'expected ":" after the field name',
  CommaExpected: 'expected a comma before the next entry',
  CloseBraceExpected: 'expected "}" to close the object',
  CloseBracketExpected: 'expected "]" to close the list',
  InvalidCommentToken: 'not a valid comment',
  UnexpectedEndOfComment: 'comment not closed with */',
  UnexpectedEndOfString: 'string not closed with "',
  UnexpectedEndOfNumber: 'number cut short',
  InvalidUnicode: 'not a valid \\u escape',
  InvalidEscapeCharacter: 'not a valid escape in a string',
  InvalidCharacter: 'a line break or control character inside a string',
  '<unknown ParseErrorCode>': 'not valid JSON',
};

function syntaxProblems(
  text: string,
  errors: ParseError[],
  file: { what: string; empty: string },
): LocatedProblem[] {
  if (stripComments(text).trim() === '') return [{ offset: 0, text: `: ${file.empty}` }];
  return errors.map((error) => {
    const code = printParseErrorCode(error.error);
    const message =
      code === 'EndOfFileExpected' ? `unexpected text after the end of ${file.what}` : SYNTAX_MESSAGES[code];
    return { offset: error.offset, text: `: ${message}` };
  });
}

/**
 * Problems zod found, one per unknown key so that each is located at its own name; `unknownKey` words that
 * problem from the key and zod's message for it (by default, zod's message alone).
 */
export function shapeProblems(
  issues: z.core.$ZodIssue[],
  unknownKey: (key: string, message: string) => string = (_key, message) => message,
): Problem[] {
  return issues.flatMap((issue): Problem[] => {
    const path = issue.path as JSONPath;
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: [...path, key],
        message: unknownKey(key, issue.message),
        atKey: true,
      }));
    }
    return [{ path, message: issue.message }];
  });
}

/** JSON.parse and jsonc keep the last of two equal keys silently; in a hand-edited file that hides an entry. */
export function duplicateKeyProblems(node: Node | undefined, path: JSONPath = []): Problem[] {
  if (!node?.children) return [];
  if (node.type === 'array')
    return node.children.flatMap((child, index) => duplicateKeyProblems(child, [...path, index]));
  if (node.type !== 'object') return [];
  const seen = new Set<string>();
  const problems: Problem[] = [];
  for (const property of node.children) {
    const [key, value] = property.children ?? [];
    if (!key || typeof key.value !== 'string') continue;
    if (seen.has(key.value)) {
      problems.push({
        path: [...path, key.value],
        message: 'given twice; keep one (the last would win)',
        offset: key.offset,
      });
    }
    seen.add(key.value);
    problems.push(...duplicateKeyProblems(value, [...path, key.value]));
  }
  return problems;
}
