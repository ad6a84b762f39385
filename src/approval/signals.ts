// The approval workflow's signal payloads, checked inside the workflow sandbox. Checked by hand, not with zod:
// a worker evaluates the workflow bundle's modules once per cached workflow, and zod's cost 1.4 MiB for each
// (measured: 1.76 MiB per cached workflow with zod, 0.39 MiB without). Strict, like a zod strictObject: a field
// nobody defined makes the payload malformed.
import type { Person } from './schemas.js';

/** Longest reviewer note accepted: Slack's limit for a plain_text_input, so the modal and the signal agree. */
export const REVIEWER_NOTES_MAX = 3000;

/**
 * Signal `approval_decision` — public API, snake_case, compatible with the public recipe's CLI command:
 * `temporal workflow signal --name approval_decision --input '{"request_id": …, "approved": true}'`.
 */
export interface ApprovalDecision {
  request_id: string;
  approved: boolean;
  reviewer_notes?: string | null | undefined;
  /** When the reviewer decided, as they claim it (ISO 8601 with an offset); recorded, never trusted. */
  decided_at?: string | undefined;
  /** Absent: an operator decided through Temporal itself. */
  reviewer?: Person | undefined;
  /**
   * The digest of the proposal the reviewer was shown (src/approval/digest.ts). The Slack app always sends it; a
   * decision carrying another digest is refused, since the reviewer did not see what would run.
   */
  proposal_digest?: string | undefined;
  /** The reviewer's Slack team, as Slack reported it: decisions come only from the installing workspace. */
  team_id?: string | undefined;
  /** The stage (1-based) the reviewer's modal was opened in: a modal opened in one stage does not count in the next. */
  stage?: number | undefined;
  /**
   * An approval of the call with these arguments instead (edit before approve). Checked against the tool's schema
   * and the policy again; earlier approvals do not count for it.
   */
  edited_arguments?: Record<string, unknown> | undefined;
  /** With an approval: allow the same call again for `for_ms`, the arguments in `vary` free to differ. */
  standing?: { for_ms: number; vary: string[] } | undefined;
}

/** Signal `withdraw_request`: the requester (or an operator, with no `by`) withdraws a pending request. */
export interface Withdrawal {
  request_id: string;
  by?: Person | undefined;
}

export type Parsed<T> = { success: true; data: T } | { success: false; issues: string[] };

/** An ISO 8601 date-time with seconds optional, fractions allowed, and an explicit offset. */
const ISO_DATETIME_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** Checks a payload field by field, collecting every problem as "path: message". */
class Checker {
  readonly issues: string[] = [];

  object(value: unknown, path: string, allowed: readonly string[]): value is Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.issues.push(`${path}: expected an object`);
      return false;
    }
    const unknown = Object.keys(value).filter((key) => !allowed.includes(key));
    if (unknown.length > 0) this.issues.push(`${path}: unrecognized keys: ${unknown.join(', ')}`);
    return true;
  }

  nonEmptyString(value: unknown, path: string): value is string {
    if (typeof value === 'string' && value.length > 0) return true;
    this.issues.push(`${path}: expected a non-empty string`);
    return false;
  }

  optionalString(value: unknown, path: string): void {
    if (value !== undefined && typeof value !== 'string') this.issues.push(`${path}: expected a string`);
  }

  person(value: unknown, path: string): void {
    if (!this.object(value, path, ['id', 'name'])) return;
    this.nonEmptyString(value.id, `${path}.id`);
    this.optionalString(value.name, `${path}.name`);
  }
}

export function parseApprovalDecision(raw: unknown): Parsed<ApprovalDecision> {
  const check = new Checker();
  const fields = ['request_id', 'approved', 'reviewer_notes', 'decided_at', 'reviewer'];
  if (
    !check.object(raw, '(root)', [
      ...fields,
      'proposal_digest',
      'team_id',
      'stage',
      'edited_arguments',
      'standing',
    ])
  ) {
    return { success: false, issues: check.issues };
  }
  check.nonEmptyString(raw.request_id, 'request_id');
  if (typeof raw.approved !== 'boolean') check.issues.push('approved: expected true or false');
  const notes = raw.reviewer_notes;
  if (notes !== undefined && notes !== null) {
    if (typeof notes !== 'string') check.issues.push('reviewer_notes: expected a string or null');
    else if (notes.length > REVIEWER_NOTES_MAX)
      check.issues.push(`reviewer_notes: longer than ${REVIEWER_NOTES_MAX} characters`);
  }
  const decidedAt = raw.decided_at;
  if (
    decidedAt !== undefined &&
    (typeof decidedAt !== 'string' ||
      !ISO_DATETIME_WITH_OFFSET.test(decidedAt) ||
      Number.isNaN(Date.parse(decidedAt)))
  ) {
    check.issues.push('decided_at: expected an ISO 8601 date-time with an offset, e.g. 2026-01-31T09:30:00Z');
  }
  if (raw.reviewer !== undefined) check.person(raw.reviewer, 'reviewer');
  if (raw.proposal_digest !== undefined) check.nonEmptyString(raw.proposal_digest, 'proposal_digest');
  if (raw.team_id !== undefined) check.nonEmptyString(raw.team_id, 'team_id');
  if (raw.stage !== undefined && !(Number.isInteger(raw.stage) && (raw.stage as number) >= 1)) {
    check.issues.push('stage: expected a whole number from 1');
  }
  const edited = raw.edited_arguments;
  if (edited !== undefined) {
    if (typeof edited !== 'object' || edited === null || Array.isArray(edited)) {
      check.issues.push('edited_arguments: expected an object of arguments');
    } else if (raw.approved !== true) {
      check.issues.push('edited_arguments: only an approval can change the arguments');
    }
  }
  const standing = raw.standing;
  if (standing !== undefined && check.object(standing, 'standing', ['for_ms', 'vary'])) {
    if (!(Number.isInteger(standing.for_ms) && (standing.for_ms as number) > 0))
      check.issues.push('standing.for_ms: expected a whole number of milliseconds above 0');
    if (!Array.isArray(standing.vary) || standing.vary.some((key) => typeof key !== 'string'))
      check.issues.push('standing.vary: expected a list of argument names');
    if (raw.approved !== true) check.issues.push('standing: only an approval can allow the call again');
  }
  if (check.issues.length > 0) return { success: false, issues: check.issues };
  return { success: true, data: raw as unknown as ApprovalDecision };
}

export function parseWithdrawal(raw: unknown): Parsed<Withdrawal> {
  const check = new Checker();
  if (!check.object(raw, '(root)', ['request_id', 'by'])) return { success: false, issues: check.issues };
  check.nonEmptyString(raw.request_id, 'request_id');
  if (raw.by !== undefined) check.person(raw.by, 'by');
  if (check.issues.length > 0) return { success: false, issues: check.issues };
  return { success: true, data: raw as unknown as Withdrawal };
}
