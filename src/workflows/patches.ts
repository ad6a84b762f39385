// Which code a run started on. A change that would make a workflow issue different commands is guarded by a patch id
// (README, "Changing a workflow safely"), so that runs started before it keep their old path on replay. Each id costs
// a run that reaches it a marker and an upsert of TemporalChangeVersion: 2 history events, a visibility write, and a
// billed action for the workflow task that records it (Temporal Cloud counts a task's markers once; the upsert is
// exempt).
//
// So a run asks once, at its start, which code it started on (CodeVersion.atStart): 2 events in every run, and no
// more. A run takes every change up to its code's without asking for their ids; only runs from before any code was
// asked at the start ask for the earlier ids, where they always did, and their recorded histories replay so. A child
// workflow is given its parent's code in its input and asks nothing.
//
// The next change that is not replay-safe: give it a new id, make it CURRENT_PATCH, keep the id it replaces as an
// earlier one, at the end of IN_ORDER and first after the new one in ASKED_AT_START (a run started on that code has its
// marker, not the new one's), and guard the change with `code.since(CURRENT_PATCH)`.
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
 * Issue 24 (sets 10 and 11): what a call's approval needs (a standing approval that covers it, or Slack's answers for
 * its card) is read with the model's answer (src/activities/prepare-calls.ts), so an approval starts with its search
 * attributes and opens its first stage at once; a final answer is posted with it; and one marker per run stands for
 * every earlier change. The first id asked at a run's start.
 */
export const FEWER_ACTIONS_PATCH = 'fewer-actions-per-request';

/**
 * Issue 24 (set 12): the decision that ends an approval through Update `submit_decision` is answered with the approval
 * as it ended, and whoever submitted it (the Slack app) updates its cards; the approval ends without an activity of its
 * own for them.
 */
export const CARDS_BY_DECISION_PATCH = 'cards-updated-by-the-decision';

/**
 * The current code (issue 24; set 13): a run asks for its approvals itself, each an ApprovalRequest in the run's own
 * workflow, addressed by its request id, where they were child workflows of their own (`<run>/approval-<n>`).
 */
export const CURRENT_PATCH = 'approvals-in-the-run';

/** Every id in the order it was made current: a run on one took every change up to it. */
const IN_ORDER = [
  INBOX_PATCH,
  PREPARE_PATCH,
  STANDING_PATCH,
  BATCH_PATCH,
  FEWER_STEPS_PATCH,
  BOUNDS_PATCH,
  AGENT_SESSION_PATCH,
  FEWER_ACTIONS_PATCH,
  CARDS_BY_DECISION_PATCH,
  CURRENT_PATCH,
];

/**
 * The ids a run asks at its start, newest first. Each was the current code in its time and asked there, first thing:
 * a run from then has its marker at that place, and is found by it.
 */
const ASKED_AT_START = [CURRENT_PATCH, CARDS_BY_DECISION_PATCH, FEWER_ACTIONS_PATCH];

export class CodeVersion {
  private constructor(
    /**
     * The id of the code the run started on: asked at its start (ASKED_AT_START), or given by its parent in its input.
     * Undefined for runs from before any was asked at the start: they ask for each change where they meet it.
     */
    private readonly version: string | undefined,
  ) {}

  /**
   * Asked once, first thing in the workflow. Asked later, `patched()` would say true in a run started before the
   * current code once its replay has caught up, though the run began on the old code.
   */
  static atStart(): CodeVersion {
    return new CodeVersion(ASKED_AT_START.find((id) => patched(id)));
  }

  /**
   * A child workflow's version, given by its parent in its input (`code`): a child started by a parent on the current
   * code records no marker of its own (2 events fewer per child), and replays so, its input being in its history.
   * Children of runs from before (no `code`) ask at their start, as above.
   */
  static given(code: string | undefined): CodeVersion {
    if (code === undefined || !IN_ORDER.includes(code)) return CodeVersion.atStart();
    return new CodeVersion(code);
  }

  /** The id a child of this run is given (see `given`); undefined for runs from before versions were given. */
  get forChildren(): string | undefined {
    return this.since(FEWER_ACTIONS_PATCH) ? this.version : undefined;
  }

  /**
   * Whether the run started on code with `change` (an id asked at the start, or later): never asked of `patched()`, so
   * a run from before keeps the path it started on, replayed or live.
   */
  since(change: string): boolean {
    return this.version !== undefined && IN_ORDER.indexOf(change) <= IN_ORDER.indexOf(this.version);
  }

  /**
   * Whether the run takes the new path of an earlier change: on any code that asks at its start, as that code says;
   * runs from before as their marker says, asked where they always asked.
   */
  has(earlier: string): boolean {
    return this.version !== undefined ? this.since(earlier) : patched(earlier);
  }
}
