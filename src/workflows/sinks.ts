// What the workflows hand to the worker's process besides their logs: each approval's end, for its metrics. A sink is
// Temporal's way out of the workflow sandbox; it is not called again when a workflow is replayed.
import { proxySinks, type Sinks } from '@temporalio/workflow';

export interface CountersignSinks extends Sinks {
  metrics: {
    /** An approval ended (`outcome`: approved, rejected, timed_out, cancelled) after waiting `waitedMs`. */
    approvalEnded(outcome: string, waitedMs: number): void;
  };
}

export const { metrics } = proxySinks<CountersignSinks>();
