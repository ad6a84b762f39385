import { describe, expect, it } from 'vitest';
import { AUDIT_GENESIS, type AuditEntry, chainAudit, lineHash, verifyAudit } from './audit-chain.js';

function entries(n: number): AuditEntry[] {
  return Array.from({ length: n }, (_, i) => ({
    workflow_id: 'run-1',
    workflow_type: 'agentWorkflow',
    event: {
      at: `2026-12-06T02:00:0${i}.000Z`,
      type: 'proposal',
      actor: 'model',
      runId: 'run-1',
      details: { i },
    },
  }));
}

const text = (lines: string[]) => lines.map((l) => `${l}\n`).join('');

describe('chainAudit', () => {
  it('numbers the lines and chains each to the hash of the canonical JSON of the one before, from the genesis', () => {
    const { lines, last } = chainAudit(entries(3));
    const parsed = lines.map((l) => JSON.parse(l));
    expect(parsed.map((l) => l.seq)).toEqual([1, 2, 3]);
    expect(parsed[0].prev).toBe(AUDIT_GENESIS);
    expect(parsed[1].prev).toBe(lineHash(parsed[0]));
    expect(parsed[2].prev).toBe(lineHash(parsed[1]));
    expect(last).toBe(lineHash(parsed[2]));
    // Key order and whitespace do not count.
    const { seq, prev, ...rest } = parsed[0];
    expect(lineHash({ ...rest, prev, seq })).toBe(lineHash(parsed[0]));
  });
});

describe('verifyAudit', () => {
  const { lines, last } = chainAudit(entries(5));

  it('passes an untouched chain, and its last hash', () => {
    expect(verifyAudit(text(lines), last)).toEqual({ lines: 5, last, problems: [] });
  });

  it('reports a changed line at its place', () => {
    const changed = [...lines];
    changed[2] = (changed[2] as string).replace('"i":2', '"i":7');
    expect(verifyAudit(text(changed)).problems).toEqual([
      {
        line: 3,
        message:
          'changed, or a line after it removed and the rest renumbered: its hash is not the prev line 4 recorded',
      },
    ]);
  });

  it('reports a removed line where it was', () => {
    const removed = lines.filter((_, i) => i !== 1);
    expect(verifyAudit(text(removed)).problems).toEqual([
      { line: 2, message: 'line missing before it: seq 3 follows seq 1' },
    ]);
  });

  it('reports lines moved', () => {
    const moved = [lines[0], lines[2], lines[1], lines[3], lines[4]] as string[];
    expect(verifyAudit(text(moved)).problems.map((p) => p.line)).toEqual([2, 3, 4]);
    expect(verifyAudit(text(moved)).problems[1]?.message).toBe('out of order: seq 2 follows seq 3');
  });

  it('reports a line that is not JSON, and a last line changed only against the hash kept at export', () => {
    const broken = [...lines];
    broken[3] = '{ not json';
    expect(verifyAudit(text(broken)).problems).toEqual([{ line: 4, message: 'not a JSON line' }]);
    const tail = [...lines];
    tail[4] = (tail[4] as string).replace('"i":4', '"i":9');
    expect(verifyAudit(text(tail)).problems).toEqual([]);
    expect(verifyAudit(text(tail), last).problems).toEqual([
      { line: 5, message: expect.stringContaining(`not ${last} as kept at export`) },
    ]);
  });

  it('a chain renumbered to hide a removal breaks where the line went, and at every line renumbered', () => {
    const removed = lines
      .filter((_, i) => i !== 1)
      .map((l, i) => l.replace(/^\{"seq":\d+/, `{"seq":${i + 1}`));
    const problems = verifyAudit(text(removed)).problems;
    expect(problems[0]).toEqual({
      line: 1,
      message:
        'changed, or a line after it removed and the rest renumbered: its hash is not the prev line 2 recorded',
    });
    expect(problems.map((p) => p.line)).toEqual([1, 2, 3]);
  });
});
