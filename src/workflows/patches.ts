// Which code a run started on. A change that would make a workflow issue different commands is guarded by a patch id
// (README, "Changing a workflow safely"), so that runs started before it keep their old path on replay. Each id costs
// a run that reaches it a marker and an upsert of TemporalChangeVersion: 2 history events and a visibility write.
//
// So a run asks once, at its start, whether it started on the current code (CodeVersion.atStart): 2 events in every
// run, and no more. A run that did takes every earlier change's new path without asking for its id; only runs from
// before the current code ask for the earlier ids, where they always did, and their recorded histories replay so.
//
// The next change that is not replay-safe: give it a new id, make it CURRENT_PATCH, and keep the id it replaces in the
// list of earlier ones (a run started on that code has its marker, not the new one's).
import { patched } from '@temporalio/workflow';

// Earlier changes, each the new path of the runs that record it (histories set in brackets).

/** Approvals searchable for the App Home inbox (set 2). */
export const INBOX_PATCH = 'inbox-search-attributes';
/** The team, the IDs' names and the first approvers asked of Slack in one activity (set 3). */
export const PREPARE_PATCH = 'one-preparation-activity';
/** A standing approval looked for before a person is asked (set 5). */
export const STANDING_PATCH = 'standing-approvals';
/** The calls of one model turn asked together (set 7). */
export const BATCH_PATCH = 'calls-asked-together';
/** The run's rules with the model's first answer; standing approvals looked for only where the rule gives one (set 8). */
export const FEWER_STEPS_PATCH = 'fewer-steps-per-run';
/**
 * No authority stretches past the rule, the person or the server that gave it (issue 21; set 9): a rule that covers a
 * call asks whatever the risk; a run that read outside content asks before sending anything out; an edit never
 * loosens the rule, its author's approval does not count, and its restarted stage gets its full time.
 */
export const BOUNDS_PATCH = 'authority-bounds';
/**
 * Countersign as a Slack agent (issue 22): a run started from a mention or the Messages tab lives in its thread as an
 * agent session, with a status, streamed steps and Slack's own stop button.
 */
export const AGENT_SESSION_PATCH = 'slack-agent-sessions';

/**
 * The current code (issue 24; set 10): what a call's approval needs (a standing approval that covers it, or Slack's
 * answers for its card) is read with the model's answer (src/activities/prepare-calls.ts), so an approval starts with
 * its search attributes and opens its first stage at once; and one marker per run stands for every earlier change.
 */
export const CURRENT_PATCH = 'fewer-actions-per-request';

/** Every id in the order it was made current: a workflow given one by its parent took every change up to it. */
const IN_ORDER = [
  INBOX_PATCH,
  PREPARE_PATCH,
  STANDING_PATCH,
  BATCH_PATCH,
  FEWER_STEPS_PATCH,
  BOUNDS_PATCH,
  AGENT_SESSION_PATCH,
  CURRENT_PATCH,
];

export class CodeVersion {
  private constructor(
    /** Whether the run started on the current code. */
    readonly current: boolean,
    /** The id its parent gave it, which its input records: then it asks `patched()` nothing. */
    private readonly given?: string,
  ) {}

  /**
   * Asked once, first thing in the workflow. Asked later, `patched()` would say true in a run started before the
   * current code once its replay has caught up, though the run began on the old code.
   */
  static atStart(): CodeVersion {
    return new CodeVersion(patched(CURRENT_PATCH));
  }

  /**
   * A child workflow's version, given by its parent in its input (`code`): a child started by a parent on the current
   * code records no marker of its own (2 events fewer per child), and replays so, its input being in its history.
   * Children of runs from before (no `code`) ask at their start, as above.
   */
  static given(code: string | undefined): CodeVersion {
    if (code === undefined || !IN_ORDER.includes(code)) return CodeVersion.atStart();
    return new CodeVersion(code === CURRENT_PATCH, code);
  }

  /** The id a child of this run is given (see `given`); undefined for runs from before the current code. */
  get forChildren(): string | undefined {
    return this.current ? CURRENT_PATCH : undefined;
  }

  /** Whether the run takes the new path of an earlier change: always on the current code, else as its marker says. */
  has(earlier: string): boolean {
    if (this.current) return true;
    if (this.given !== undefined) return IN_ORDER.indexOf(earlier) <= IN_ORDER.indexOf(this.given);
    return patched(earlier);
  }
}
