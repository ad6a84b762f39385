// What every workflow shares besides its rules: its audit trail, and waiting for something with a deadline.
import { type ActivityFailure, condition, log } from '@temporalio/workflow';
import type { AuditEvent } from '../approval/schemas.js';

/** Adds one event to a workflow's audit trail (`requestId`: the approval it concerns, where it concerns one). */
export type Recorder = (
  type: AuditEvent['type'],
  actor: AuditEvent['actor'],
  details: Record<string, unknown>,
  requestId?: string,
) => void;

/**
 * A workflow's recorder: each event is kept in `trail` (its query and outcome carry it) and logged, for the audit log.
 * `of`: what every event of this trail concerns (its run; its request, and details such as a grant's id).
 */
export function recorder(
  trail: AuditEvent[],
  of: { runId: string; requestId?: string; details?: Record<string, unknown> },
): Recorder {
  return (type, actor, details, requestId = of.requestId) => {
    const event: AuditEvent = {
      at: new Date().toISOString(),
      type,
      actor,
      runId: of.runId,
      ...(requestId ? { requestId } : {}),
      details: of.details ? { ...of.details, ...details } : details,
    };
    trail.push(event);
    log.info('audit', { audit: event });
  };
}

/**
 * Waits until `test` holds or the clock reaches `atMs`, a durable timer racing the messages that change the state:
 * true when `test` held first.
 */
export function untilOrAt(test: () => boolean, atMs: number): Promise<boolean> {
  // At least 1 ms: a zero timeout would mean "no timeout".
  return condition(test, Math.max(1, atMs - Date.now()));
}

/** Why an activity failed, in its own words: the cause Temporal wraps, else the failure's message. */
export function activityReason(error: ActivityFailure): string {
  return error.cause?.message ?? error.message;
}
