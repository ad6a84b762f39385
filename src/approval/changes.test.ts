import { describe, expect, it } from 'vitest';
import { describeChanges } from './changes.js';

describe('describeChanges', () => {
  it('names each changed argument with both values, sorted, and leaves unchanged ones out', () => {
    expect(describeChanges({ topic: 'x', channel: 'C0A' }, { topic: 'x', channel: 'C0B' })).toBe(
      'channel: "C0A" → "C0B"',
    );
    expect(describeChanges({ b: 1, a: true }, { b: 2, a: false })).toBe('a: true → false; b: 1 → 2');
  });

  it('summarises long values by their size, and says when an argument comes or goes', () => {
    const long = 'x'.repeat(120);
    expect(describeChanges({ text: long }, { text: long.slice(20) })).toBe(
      'text: (120 characters) → (100 characters)',
    );
    // Short lists as they are; long ones by their length, so an invite of 2 grown to 7 says so.
    expect(describeChanges({ users: ['U1'] }, { users: ['U1', 'U2'] })).toBe('users: ["U1"] → ["U1","U2"]');
    const seven = Array.from({ length: 7 }, (_, i) => `U0PERSON${i}`);
    expect(describeChanges({ users: ['U0A', 'U0B'] }, { users: seven })).toBe(
      'users: ["U0A","U0B"] → (7 items)',
    );
    const big = { nested: 'y'.repeat(80) };
    expect(describeChanges({ payload: big }, { payload: { ...big, more: 1 } })).toBe('payload: (changed)');
    expect(describeChanges({}, { extra: 1 })).toBe('extra: (none) → 1');
  });

  it('stays within 1000 characters', () => {
    const before = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`argument_${i}`, i]));
    const after = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`argument_${i}`, i + 1]));
    expect(describeChanges(before, after).length).toBeLessThanOrEqual(1000);
  });
});
