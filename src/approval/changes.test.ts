import { describe, expect, it } from 'vitest';
import { describeChanges } from './changes.js';

describe('describeChanges', () => {
  it('names each changed argument with both values, sorted, and leaves unchanged ones out', () => {
    expect(describeChanges({ topic: 'x', channel: 'C0A' }, { topic: 'x', channel: 'C0B' })).toBe(
      'channel: "C0A" → "C0B"',
    );
    expect(describeChanges({ b: 1, a: true }, { b: 2, a: false })).toBe('a: true → false; b: 1 → 2');
  });

  it('summarises long strings by length and objects as changed, and says when an argument comes or goes', () => {
    const long = 'x'.repeat(120);
    expect(describeChanges({ text: long }, { text: long.slice(20) })).toBe(
      'text: (120 characters) → (100 characters)',
    );
    expect(describeChanges({ users: ['U1'] }, { users: ['U1', 'U2'] })).toBe('users: (changed)');
    expect(describeChanges({}, { extra: 1 })).toBe('extra: (none) → 1');
  });

  it('stays within 1000 characters', () => {
    const before = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`argument_${i}`, i]));
    const after = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`argument_${i}`, i + 1]));
    expect(describeChanges(before, after).length).toBeLessThanOrEqual(1000);
  });
});
