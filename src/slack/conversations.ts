// Conversations with the agent in Slack threads (a mention in a channel, the app's Messages tab): which runs a thread
// holds, whose conversation it is, and what the model hears of it. The runs are found in Temporal by their ids, which
// start with the thread's own key, so nothing but Temporal is read (no Slack history, no database).
import { createHash } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { EARLIER_RUNS_MAX, earlierTurns, type Turn } from '../approval/conversation.js';
import type { AgentInput } from '../approval/run.js';
import { agentWorkflow } from '../workflows/agent.js';
import { agentStatusQuery } from '../workflows/messages.js';
import { listWithinSlackDeadline, withinSlackDeadline } from './temporal-deadline.js';

export type Session = NonNullable<AgentInput['session']>;

/** The memo every conversation run carries: who it belongs to, readable from a listing without asking the run. */
const REQUESTER_MEMO = 'requester';

/**
 * Runs of one thread listed at most (Temporal lists the newest first): far more than a conversation carries, and a bound
 * on what a very long thread costs each reply. Every run of a thread is its owner's, so any of them says whose it is.
 */
export const THREAD_RUNS_LISTED_MAX = 200;

/** All the Temporal calls that read a thread for one message share this. */
export const THREAD_READ_BUDGET_MS = 8_000;

function digest(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** The prefix every run id of a thread starts with: its workspace, channel and thread, hashed. */
export function threadRunPrefix(session: Pick<Session, 'teamId' | 'channel' | 'threadTs'>): string {
  return `run-${digest(`${session.teamId}:${session.channel}:${session.threadTs}`, 10)}-`;
}

/**
 * The run a message in a thread starts: the thread's prefix and the message's own key. A message Slack delivers again
 * (a retry, a re-delivery over Socket Mode) maps to the same run, which Temporal refuses to start twice.
 */
export function conversationRunId(session: Session, messageTs: string): string {
  return `${threadRunPrefix(session)}${digest(`${session.teamId}:${session.channel}:${messageTs}`, 6)}`;
}

/** The memo a conversation run is started with. */
export function conversationMemo(requesterId: string): Record<string, unknown> {
  return { [REQUESTER_MEMO]: requesterId };
}

export interface ThreadRun {
  runId: string;
  requesterId: string | undefined;
  running: boolean;
  startedAt: Date;
}

/** The runs of a thread, oldest first. */
export async function threadRuns(
  temporal: Client,
  session: Pick<Session, 'teamId' | 'channel' | 'threadTs'>,
  budgetMs = THREAD_READ_BUDGET_MS,
): Promise<ThreadRun[]> {
  // The prefix is hex and a fixed "run-": nothing from the message goes into the query.
  const query = `WorkflowType = '${agentWorkflow.name}' AND WorkflowId STARTS_WITH '${threadRunPrefix(session)}'`;
  const runs: ThreadRun[] = [];
  await listWithinSlackDeadline(
    temporal,
    query,
    THREAD_RUNS_LISTED_MAX,
    (execution) => {
      const requester = execution.memo?.[REQUESTER_MEMO];
      runs.push({
        runId: execution.workflowId,
        requesterId: typeof requester === 'string' ? requester : undefined,
        running: execution.status.name === 'RUNNING',
        startedAt: execution.startTime,
      });
    },
    budgetMs,
  );
  return runs.sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime());
}

/** What the thread's last runs say of themselves: whether one still works, and what the model should hear of them. */
export interface ThreadState {
  /** A run of the thread that has not ended: the visibility listing may lag, the run's own answer does not. */
  busy: string | undefined;
  earlier: Turn[];
}

/** Reads the thread's last runs themselves (a query each): the listing's status may lag their end by a moment. */
export async function threadState(
  temporal: Client,
  runs: readonly ThreadRun[],
  budgetMs = THREAD_READ_BUDGET_MS,
): Promise<ThreadState> {
  const last = runs.slice(-EARLIER_RUNS_MAX);
  const statuses = await withinSlackDeadline(
    temporal,
    () => Promise.all(last.map((run) => temporal.workflow.getHandle(run.runId).query(agentStatusQuery))),
    budgetMs,
  );
  return {
    busy: statuses.find((status) => status.outcome === null)?.run_id,
    earlier: earlierTurns(statuses.filter((status) => status.outcome !== null)),
  };
}
