// The activities as the workflows reach them: each proxy, with its timeouts and retries, defined once.
import { type ActivityOptions, proxyActivities } from '@temporalio/workflow';
import { MODEL_REQUEST_REJECTED } from '../activities/failure-types.js';
import type { createLlmActivities } from '../activities/llm.js';
import type { createRunActivities } from '../activities/run.js';
import type { createSessionActivities } from '../activities/session.js';
import type { createSlackActivities } from '../activities/slack.js';
import type { createToolActivities } from '../activities/tools.js';

type Llm = ReturnType<typeof createLlmActivities>;
type Tools = ReturnType<typeof createToolActivities>;
type Slack = ReturnType<typeof createSlackActivities>;
type Run = ReturnType<typeof createRunActivities>;
type Session = ReturnType<typeof createSessionActivities>;

/**
 * How long a long activity may go without a heartbeat (src/temporal/heartbeat.ts) before Temporal counts its worker as
 * gone and tries it elsewhere, or, for a call attempted once, reports its outcome unknown.
 */
const HEARTBEAT_TIMEOUT = '10 seconds';

export const llm = proxyActivities<Llm>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 6,
    nonRetryableErrorTypes: [MODEL_REQUEST_REJECTED],
  },
});

/** Attempts of a tool that may be repeated (reads, look-up-first writes, keyed calls) before it counts as failed. */
const TOOL_ATTEMPTS_MAX = 5;
const TOOL_CALL_TIMEOUT = '1 minute';
/**
 * A call that goes on to the model's next step in the same activity (ToolCall's `then`): the call's time and the
 * model's. The activity keeps the model within what is left, so the call's outcome always comes back.
 */
const TOOL_THEN_MODEL_TIMEOUT = '3 minutes';

const TOOL_RETRIED = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  maximumAttempts: TOOL_ATTEMPTS_MAX,
} as const;
/** A side effect that is not safe to repeat is attempted once: an unknown outcome is reported, never retried. */
const TOOL_ONCE = { maximumAttempts: 1 } as const;

const toolsWithin = (
  startToCloseTimeout: ActivityOptions['startToCloseTimeout'],
  retry: typeof TOOL_RETRIED | typeof TOOL_ONCE,
) => proxyActivities<Tools>({ startToCloseTimeout, heartbeatTimeout: HEARTBEAT_TIMEOUT, retry });

export const toolsRetried = toolsWithin(TOOL_CALL_TIMEOUT, TOOL_RETRIED);
export const toolsOnce = toolsWithin(TOOL_CALL_TIMEOUT, TOOL_ONCE);
export const toolsRetriedThenModel = toolsWithin(TOOL_THEN_MODEL_TIMEOUT, TOOL_RETRIED);
export const toolsOnceThenModel = toolsWithin(TOOL_THEN_MODEL_TIMEOUT, TOOL_ONCE);

/** The run's own Slack posts (its result): retried until Slack takes them or refuses for good. */
export const runSlack = proxyActivities<Slack>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * Attempts of each Slack call on the approval path: about two minutes of backoff. Past that, Slack is refusing for
 * good or is down, and the request must end visibly rather than wait forever with nothing to click.
 */
const APPROVAL_SLACK_ATTEMPTS_MAX = 8;

const approvalPathSlack = {
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: APPROVAL_SLACK_ATTEMPTS_MAX,
  },
} as const;

export const approvalSlack = proxyActivities<Slack>(approvalPathSlack);

/**
 * A run's agent session in its thread (status, title, streamed plan): best effort, so retried only as long as the
 * approval path's posts; past that the run goes on and posts as it would without a session.
 */
export const sessionSlack = proxyActivities<Session>(approvalPathSlack);

export const run = proxyActivities<Run>({ startToCloseTimeout: '10 seconds' });

/** An approver's edit checked against the tool (its schema lives in the worker, with the tools): quick, and pure. */
export const editChecks = proxyActivities<Llm>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 3 },
});
