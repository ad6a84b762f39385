// Slack wants an answer within 3 seconds: every Temporal call a listener makes before answering is bounded here, so
// that "Temporal is slow" and "Temporal failed" are told apart and told to the person in time.
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';

/** Our own budget ran out, as opposed to Temporal answering with an error. */
export class TemporalTooSlowError extends Error {
  override name = 'TemporalTooSlowError';
}

/**
 * Slack wants an answer within 3 seconds (and a trigger_id dies then): a Temporal call from a listener gets
 * this long before the person is told Temporal is unreachable, instead of the client retrying past Slack's window.
 */
export const TEMPORAL_CALL_BUDGET_MS = 2_000;

const GRPC_DEADLINE_MARGIN_MS = 1_000;

export async function withinSlackDeadline<T>(
  temporal: Client,
  call: () => Promise<T>,
  budgetMs = TEMPORAL_CALL_BUDGET_MS,
): Promise<T> {
  // The gRPC deadline bounds calls; the abort also bounds connecting and stops the client's own retries.
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const giveUp = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      abort.abort();
      reject(new TemporalTooSlowError(`Temporal did not answer within ${budgetMs} ms`));
    }, budgetMs);
  });
  // Our timer decides; the gRPC deadline is only a backstop, so that "slow" is always told apart from "failed".
  const deadline = Date.now() + budgetMs + GRPC_DEADLINE_MARGIN_MS;
  const attempt = temporal.withAbortSignal(abort.signal, () => temporal.withDeadline(deadline, call));
  attempt.catch(() => {}); // when the timer wins, the abandoned call's failure is expected
  try {
    return await Promise.race([attempt, giveUp]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The workflows matching a visibility `query`, at most `max` of them, each handed to `take` as it comes, within the
 * budget; `more`: whether further ones match.
 */
export async function listWithinSlackDeadline(
  temporal: Client,
  query: string,
  max: number,
  take: (execution: WorkflowExecutionInfo) => void,
  budgetMs = TEMPORAL_CALL_BUDGET_MS,
): Promise<{ more: boolean }> {
  return await withinSlackDeadline(
    temporal,
    async () => {
      let taken = 0;
      for await (const execution of temporal.workflow.list({ query, pageSize: max + 1 })) {
        if (taken === max) return { more: true };
        take(execution);
        taken += 1;
      }
      return { more: false };
    },
    budgetMs,
  );
}

export const TEMPORAL_UNREACHABLE_TEXT =
  ':warning: Countersign could not reach its workflow service (Temporal) in time, so nothing was recorded. Please try again in a moment.';
