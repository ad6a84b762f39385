// The audit as JSON lines an auditor can check (`npm run audit -- export|verify`): each line carries its place and the
// hash of the line before it, so a line changed, removed or moved breaks the chain where it happened. Pure: the events
// are read from Temporal elsewhere (src/temporal/recorded.ts).
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { AuditEvent } from './schemas.js';

/** The `prev` of the first line: no line comes before it. */
export const AUDIT_GENESIS = `sha256:${'0'.repeat(64)}`;

/** One event of one workflow, as exported. */
export interface AuditEntry {
  /** The run, gateway call, approval, standing approval or token whose audit it is. */
  workflow_id: string;
  workflow_type: string;
  event: AuditEvent;
}

export interface AuditLine extends AuditEntry {
  /** 1-based: the line's place in the export. */
  seq: number;
  /** The hash of the line before (AUDIT_GENESIS for the first). */
  prev: string;
}

/** SHA-256 over the canonical JSON (RFC 8785) of a line as parsed: whitespace and key order do not count, content does. */
export function lineHash(line: unknown): string {
  return `sha256:${createHash('sha256')
    .update(canonicalize(line) ?? '')
    .digest('hex')}`;
}

/** The entries as chained lines, in the order given; `last`: the hash to keep elsewhere (it vouches for the last line). */
export function chainAudit(entries: readonly AuditEntry[]): { lines: string[]; last: string } {
  const lines: string[] = [];
  let prev = AUDIT_GENESIS;
  for (const [i, entry] of entries.entries()) {
    const line: AuditLine = { seq: i + 1, prev, ...entry };
    lines.push(JSON.stringify(line));
    prev = lineHash(line);
  }
  return { lines, last: prev };
}

export interface ChainProblem {
  /** 1-based line of the file. */
  line: number;
  message: string;
}

/**
 * Every place the chain breaks, each line checked against the one before it only, so one removed or changed line is
 * one problem, not every line after it. A changed line shows at the next line (whose `prev` no longer matches); the
 * last line is vouched for only by `last`, the hash kept when it was exported.
 */
export function verifyAudit(
  text: string,
  last?: string,
): { lines: number; last: string; problems: ChainProblem[] } {
  const rows = text.split('\n');
  if (rows.at(-1) === '') rows.pop();
  const problems: ChainProblem[] = [];
  let before: { hash: string; seq: number } | undefined = { hash: AUDIT_GENESIS, seq: 0 };
  for (const [i, row] of rows.entries()) {
    const at = i + 1;
    let line: Partial<AuditLine>;
    try {
      line = JSON.parse(row) as Partial<AuditLine>;
    } catch {
      problems.push({ line: at, message: 'not a JSON line' });
      before = undefined;
      continue;
    }
    if (
      typeof line !== 'object' ||
      line === null ||
      typeof line.seq !== 'number' ||
      typeof line.prev !== 'string'
    ) {
      problems.push({ line: at, message: 'not an audit line (no seq or prev)' });
      before = undefined;
      continue;
    }
    if (before) {
      if (line.seq > before.seq + 1) {
        problems.push({
          line: at,
          message: `line${line.seq - before.seq > 2 ? 's' : ''} missing before it: seq ${line.seq} follows seq ${before.seq}`,
        });
      } else if (line.seq <= before.seq) {
        problems.push({ line: at, message: `out of order: seq ${line.seq} follows seq ${before.seq}` });
      } else if (line.prev !== before.hash) {
        problems.push({
          line: at - 1,
          message: `changed, or a line after it removed and the rest renumbered: its hash is not the prev line ${at} recorded`,
        });
      }
    }
    before = { hash: lineHash(line), seq: line.seq };
  }
  const end = before?.hash ?? '';
  if (last !== undefined && end !== last && rows.length > 0) {
    problems.push({
      line: rows.length,
      message: `its hash is ${end || 'unknown'}, not ${last} as kept at export`,
    });
  }
  return { lines: rows.length, last: end, problems };
}
