import { describe, expect, it } from 'vitest';
import { parseApprovalDecision, parseWithdrawal, REVIEWER_NOTES_MAX } from './signals.js';

describe('parseApprovalDecision', () => {
  it('accepts the public recipe’s CLI payload as it is', () => {
    expect(parseApprovalDecision({ request_id: 'req-1', approved: true })).toEqual({
      success: true,
      data: { request_id: 'req-1', approved: true },
    });
  });

  it('accepts every defined field', () => {
    const full = {
      request_id: 'req-1',
      approved: false,
      reviewer_notes: 'Not now.',
      decided_at: '2026-01-31T09:30:00.123+01:00',
      reviewer: { id: 'U0ANA', name: 'ana' },
    };
    expect(parseApprovalDecision(full)).toEqual({ success: true, data: full });
    expect(parseApprovalDecision({ ...full, reviewer_notes: null }).success).toBe(true);
    expect(parseApprovalDecision({ ...full, decided_at: '2026-01-31T09:30Z' }).success).toBe(true);
  });

  it.each([
    ['a string', 'approve it please', '(root): expected an object'],
    ['null', null, '(root): expected an object'],
    ['an array', [{ request_id: 'r', approved: true }], '(root): expected an object'],
    ['no request id', { approved: true }, 'request_id: expected a non-empty string'],
    ['an empty request id', { request_id: '', approved: true }, 'request_id: expected a non-empty string'],
    ['a request id list', { request_id: ['r'], approved: true }, 'request_id: expected a non-empty string'],
    ['approved as text', { request_id: 'r', approved: 'yes' }, 'approved: expected true or false'],
    ['approved as 1', { request_id: 'r', approved: 1 }, 'approved: expected true or false'],
    ['an extra field', { request_id: 'r', approved: true, admin: true }, '(root): unrecognized keys: admin'],
    [
      'a numeric reviewer id',
      { request_id: 'r', approved: true, reviewer: { id: 42 } },
      'reviewer.id: expected a non-empty string',
    ],
    [
      'an extra reviewer field',
      { request_id: 'r', approved: true, reviewer: { id: 'U1', roles: ['admin'] } },
      'reviewer: unrecognized keys: roles',
    ],
    ['a null reviewer', { request_id: 'r', approved: true, reviewer: null }, 'reviewer: expected an object'],
    [
      'numeric notes',
      { request_id: 'r', approved: true, reviewer_notes: 5 },
      'reviewer_notes: expected a string or null',
    ],
    [
      'notes over the limit',
      { request_id: 'r', approved: true, reviewer_notes: 'x'.repeat(REVIEWER_NOTES_MAX + 1) },
      `reviewer_notes: longer than ${REVIEWER_NOTES_MAX} characters`,
    ],
    [
      'a date without offset',
      { request_id: 'r', approved: true, decided_at: '2026-01-31T09:30:00' },
      'decided_at:',
    ],
    [
      'a date that is no date',
      { request_id: 'r', approved: true, decided_at: '2026-13-45T99:99:00Z' },
      'decided_at:',
    ],
    ['a numeric date', { request_id: 'r', approved: true, decided_at: 1700000000 }, 'decided_at:'],
  ])('refuses %s, saying what is wrong', (_, payload, issue) => {
    const parsed = parseApprovalDecision(payload);
    expect(parsed.success).toBe(false);
    if (!parsed.success) expect(parsed.issues.join('\n')).toContain(issue);
  });

  it('takes notes exactly at the limit', () => {
    const notes = 'x'.repeat(REVIEWER_NOTES_MAX);
    expect(parseApprovalDecision({ request_id: 'r', approved: true, reviewer_notes: notes }).success).toBe(
      true,
    );
  });

  it('lists every problem at once', () => {
    const parsed = parseApprovalDecision({ approved: 'yes', extra: 1 });
    expect(parsed.success).toBe(false);
    if (!parsed.success) expect(parsed.issues).toHaveLength(3);
  });
});

describe('parseWithdrawal', () => {
  it('accepts an operator’s and a requester’s withdrawal', () => {
    expect(parseWithdrawal({ request_id: 'r' }).success).toBe(true);
    expect(parseWithdrawal({ request_id: 'r', by: { id: 'U0REQ', name: 'req' } }).success).toBe(true);
  });

  it.each([
    ['no request id', { by: { id: 'U1' } }, 'request_id: expected a non-empty string'],
    ['an extra field', { request_id: 'r', force: true }, '(root): unrecognized keys: force'],
    ['a "by" that is no person', { request_id: 'r', by: 'U1' }, 'by: expected an object'],
  ])('refuses %s', (_, payload, issue) => {
    const parsed = parseWithdrawal(payload);
    expect(parsed.success).toBe(false);
    if (!parsed.success) expect(parsed.issues.join('\n')).toContain(issue);
  });
});

describe('parseApprovalDecision: edited arguments', () => {
  const base = { request_id: 'req-1', approved: true };

  it('takes an approval with an object of changed arguments', () => {
    expect(parseApprovalDecision({ ...base, edited_arguments: { channel: 'C0B' } }).success).toBe(true);
  });

  it('refuses changed arguments that are not an object, or that come with a rejection', () => {
    expect(parseApprovalDecision({ ...base, edited_arguments: ['C0B'] })).toEqual({
      success: false,
      issues: ['edited_arguments: expected an object of arguments'],
    });
    expect(parseApprovalDecision({ ...base, approved: false, edited_arguments: {} })).toEqual({
      success: false,
      issues: ['edited_arguments: only an approval can change the arguments'],
    });
  });
});
