// What a request costs Temporal, counted from recorded histories (test/support/cost.ts) before and after the current
// code (sets 9 to 13): the README's "Cost per request" table, kept true. A change that adds or saves events or
// actions shows here first, in a new set, and the README with it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import proto from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { temporalCost } from '../support/cost.js';

function recorded(set: string, scenario: string) {
  const file = JSON.parse(readFileSync(join(import.meta.dirname, set, `${scenario}.json`), 'utf8')) as {
    histories: Array<{ workflowId: string; history: string }>;
  };
  return new Map(
    file.histories.map((h) => [
      h.workflowId,
      proto.temporal.api.history.v1.History.decode(Buffer.from(h.history, 'base64')),
    ]),
  );
}

const BEFORE = '9-authority-bounds';
const PREPARED = '10-fewer-actions-per-request';
const STEP_WITH_CALL = '11-model-step-with-the-call';
const CARDS_BY_DECISION = '12-cards-updated-by-the-decision';
const NOW = '13-approvals-in-the-run';

// [set, scenario, queries a person's click makes, history events, workflow tasks, billable actions]
const TABLE: Array<[string, string, number, number, number, number]> = [
  [BEFORE, 'approve', 1, 85, 13, 20],
  [PREPARED, 'approve', 1, 61, 10, 14],
  [STEP_WITH_CALL, 'approve', 1, 53, 9, 12],
  [CARDS_BY_DECISION, 'approve', 1, 47, 8, 11],
  [NOW, 'approve', 1, 34, 5, 10],
  [BEFORE, 'reject', 1, 79, 12, 19],
  [PREPARED, 'reject', 1, 55, 9, 13],
  [STEP_WITH_CALL, 'reject', 1, 53, 9, 12],
  [CARDS_BY_DECISION, 'reject', 1, 47, 8, 11],
  [NOW, 'reject', 1, 34, 5, 10],
  [BEFORE, 'low-risk', 0, 31, 5, 6],
  [PREPARED, 'low-risk', 0, 25, 4, 5],
  [STEP_WITH_CALL, 'low-risk', 0, 19, 3, 4],
  [CARDS_BY_DECISION, 'low-risk', 0, 19, 3, 4],
  [NOW, 'low-risk', 0, 19, 3, 4],
  // A call through the MCP gateway that a person approves: its approval a child workflow (which, unprepared, wrote its
  // search attributes at its start too), then in the call's own workflow, with the patch's marker where it asks.
  [CARDS_BY_DECISION, 'gateway', 1, 59, 10, 14],
  [NOW, 'gateway', 1, 46, 7, 12],
];

describe('what one request costs Temporal', () => {
  it.each(TABLE)('%s, %s: events, workflow tasks and billable actions', (set, scenario, queries, ...cost) => {
    const counted = temporalCost(recorded(set, scenario), queries);
    expect([counted.historyEvents, counted.workflowTasks, counted.billableActions]).toEqual(cost);
  });

  it('one patch marker per request on the current code: the run’s; its approval is given its version', () => {
    expect(temporalCost(recorded(BEFORE, 'approve'), 1).patchMarkers).toBe(4);
    expect(temporalCost(recorded(PREPARED, 'approve'), 1).patchMarkers).toBe(2);
    expect(temporalCost(recorded(STEP_WITH_CALL, 'approve'), 1).patchMarkers).toBe(1);
    expect(temporalCost(recorded(CARDS_BY_DECISION, 'approve'), 1).patchMarkers).toBe(1);
    expect(temporalCost(recorded(NOW, 'approve'), 1).patchMarkers).toBe(1);
  });

  it('an approved request on the current code: what each action is', () => {
    expect(temporalCost(recorded(NOW, 'approve'), 1)).toMatchObject({
      patchMarkers: 1,
      actions: {
        workflowStarts: 1,
        // The approval lives in the run's workflow: no child workflow to start and run.
        childWorkflows: 0,
        // The model's first turn; the card; the tool, with the model's second turn. The card's last update is the
        // Slack app's, with the answer to the decision.
        activities: 3,
        // The run's one patch marker: its workflow task's markers are an action.
        markerBatches: 1,
        timers: 1,
        updates: 1,
        // The run's, for its approval: its first stage open (a child was given these free with its start), and its end.
        searchAttributeUpserts: 2,
        queries: 1,
      },
    });
  });
});
