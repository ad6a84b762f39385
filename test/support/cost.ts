// What a request costs a Temporal cluster, read from its workflows' histories: the events written, the workflow tasks
// the worker answered, and the billable actions as Temporal Cloud counts them (docs.temporal.io, "Temporal Cloud
// Actions"): a workflow start; a child workflow twice (its start and its execution); every activity attempt; the
// markers of one workflow task once (Temporal Cloud counts all RecordMarkers of a workflow task as one action: local
// activities, and the markers `patched()` records); every timer, signal and accepted Update; every search-attribute
// upsert except TemporalChangeVersion's (exempt); and every query a worker answers, which no history shows, so the
// caller says how many there were. The Temporal server's own `action` meter agrees, but for the exempt
// TemporalChangeVersion upserts, which it counts (`serverRequestsPerCycle` in `npm run bench`).
import proto from '@temporalio/proto';

type History = proto.temporal.api.history.v1.IHistory;

const { EventType } = proto.temporal.api.enums.v1;
const CHANGE_VERSION = 'TemporalChangeVersion';

export interface TemporalCost {
  historyEvents: number;
  workflowTasks: number;
  /** Markers recorded by `patched()`: 2 events each with their TemporalChangeVersion upsert (that upsert is exempt). */
  patchMarkers: number;
  actions: {
    workflowStarts: number;
    childWorkflows: number;
    activities: number;
    /** Workflow tasks that recorded markers (patch markers, local activities): one action each. */
    markerBatches: number;
    timers: number;
    signals: number;
    updates: number;
    searchAttributeUpserts: number;
    queries: number;
  };
  billableActions: number;
}

/** `histories`: one request's workflows (a run and its children), by workflow id; `queries`: those answered for it. */
export function temporalCost(histories: Map<string, History>, queries: number): TemporalCost {
  const actions = {
    workflowStarts: 0,
    childWorkflows: 0,
    activities: 0,
    markerBatches: 0,
    timers: 0,
    signals: 0,
    updates: 0,
    searchAttributeUpserts: 0,
    queries,
  };
  let historyEvents = 0;
  let workflowTasks = 0;
  let patchMarkers = 0;
  for (const [workflowId, history] of histories) {
    const tasksWithMarkers = new Set<string>();
    for (const event of history.events ?? []) {
      historyEvents += 1;
      switch (event.eventType) {
        case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
          // A child's start is counted with its parent's command (twice, below).
          if (!event.workflowExecutionStartedEventAttributes?.parentWorkflowExecution)
            actions.workflowStarts += 1;
          break;
        case EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
          actions.childWorkflows += 2;
          break;
        case EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
          workflowTasks += 1;
          break;
        case EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
          // Each attempt is an action; the history keeps the last attempt's start only.
          actions.activities += Math.max(1, event.activityTaskStartedEventAttributes?.attempt ?? 1);
          break;
        case EventType.EVENT_TYPE_TIMER_STARTED:
          actions.timers += 1;
          break;
        case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
          actions.signals += 1;
          break;
        case EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED: {
          // Sent to a workflow outside this request: its receipt is not in these histories.
          const target =
            event.signalExternalWorkflowExecutionInitiatedEventAttributes?.workflowExecution?.workflowId;
          if (!target || !histories.has(target)) actions.signals += 1;
          break;
        }
        case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
          actions.updates += 1;
          break;
        case EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: {
          const keys = Object.keys(
            event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {},
          );
          if (keys.some((key) => key !== CHANGE_VERSION)) actions.searchAttributeUpserts += 1;
          break;
        }
        case EventType.EVENT_TYPE_MARKER_RECORDED: {
          const marker = event.markerRecordedEventAttributes;
          if (marker?.markerName === 'core_patch') patchMarkers += 1;
          tasksWithMarkers.add(`${workflowId}#${marker?.workflowTaskCompletedEventId}`);
          break;
        }
      }
    }
    actions.markerBatches += tasksWithMarkers.size;
  }
  return {
    historyEvents,
    workflowTasks,
    patchMarkers,
    actions,
    billableActions: Object.values(actions).reduce((sum, n) => sum + n, 0),
  };
}
