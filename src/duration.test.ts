import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration, parseSince } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['90s', 90_000],
    ['15m', 900_000],
    ['24h', 86_400_000],
    ['7d', 604_800_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    [' 2H ', 7_200_000],
  ])('reads %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it('reads a duration too long for any use as a number larger than every bound, never NaN', () => {
    expect(parseDuration('200000000d')).toBe(200_000_000 * 86_400_000);
    expect(parseDuration(`${'9'.repeat(400)}d`)).toBe(Number.POSITIVE_INFINITY);
  });

  it.each(['', '10', 'm', '1.5h', '-5m', '5 minutes', '0s', '1w'])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('formatDuration', () => {
  it.each([
    [90_000, '1m30s'],
    [86_400_000, '1d'],
    [5_400_000, '1h30m'],
    [250, '250ms'],
  ])('writes %d as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('parseSince', () => {
  const now = Date.parse('2026-12-06T12:00:00.000Z');

  it('reads how far back, or when', () => {
    expect(parseSince('7d', now)).toBe(Date.parse('2026-11-29T12:00:00.000Z'));
    expect(parseSince('36h', now)).toBe(Date.parse('2026-12-05T00:00:00.000Z'));
    expect(parseSince('2026-12-01', now)).toBe(Date.parse('2026-12-01T00:00:00.000Z'));
    expect(parseSince('2026-12-01T08:30:00Z', now)).toBe(Date.parse('2026-12-01T08:30:00.000Z'));
  });

  it('is undefined for anything else', () => {
    for (const text of ['last week', '', '12', 'yesterday', '2026-13-45']) {
      expect(parseSince(text, now)).toBeUndefined();
    }
  });
});
