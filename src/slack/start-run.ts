// Starting an agent run from Slack — `/agent <request>`, a mention, the Messages tab — the one way: under an id known
// before the start, never twice for the same request, within a bounded time.
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import type { AgentInput } from '../approval/run.js';
import { currentTraceParent, TRACE_PARENT_MEMO } from '../tracing.js';
import { agentWorkflow } from '../workflows/agent.js';
import { withinSlackDeadline } from './temporal-deadline.js';

/** Starting a run happens after Slack has its answer, so it may take longer than a listener's Slack budget. */
const START_BUDGET_MS = 10_000;

export interface RunStartDeps {
  temporal: Client;
  taskQueue: string;
  /** Eager workflow start: see ListenerDeps. */
  eagerStart?: boolean;
}

export type RunStart = 'started' | 'duplicate' | { error: string };

/**
 * Starts a run under an id that is known before it starts (derived from what Slack sent), so that a request Slack
 * delivers twice maps to the same run, which Temporal refuses to start twice: `duplicate` then.
 */
export async function startAgentRun(
  deps: RunStartDeps,
  runId: string,
  input: AgentInput,
  memo?: Record<string, unknown>,
): Promise<RunStart> {
  const traceparent = currentTraceParent();
  const memoWithTrace = traceparent ? { ...memo, [TRACE_PARENT_MEMO]: traceparent } : memo;
  try {
    await withinSlackDeadline(
      deps.temporal,
      () =>
        deps.temporal.workflow.start(agentWorkflow, {
          taskQueue: deps.taskQueue,
          workflowId: runId,
          // Never a second run for the same invocation, even after the first has finished.
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
          // With the worker in this process, its first task comes back in the start's answer: no queue poll.
          ...(deps.eagerStart ? { requestEagerStart: true } : {}),
          ...(memoWithTrace ? { memo: memoWithTrace } : {}),
          args: [input],
        }),
      START_BUDGET_MS,
    );
    return 'started';
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return 'duplicate';
    return { error: (error as Error).message };
  }
}
