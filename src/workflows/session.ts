// A run's agent session as the workflow keeps it (issue 22): where each tool call stands, the session's status and its
// stream, shown in the thread by one activity per change. Changes are shown one after another (calls asked together
// change at once), and Slack refusing any of it is audited and never stops the run.
import { ActivityFailure, isCancellation } from '@temporalio/workflow';
import type { RunOutcome } from '../approval/run.js';
import type {
  AgentSession,
  SessionStatus,
  SessionStream,
  SessionTask,
  TaskState,
} from '../approval/session.js';
import { sessionSlack } from './activities.js';
import { activityReason, type Recorder } from './audit.js';

export class RunSession {
  private readonly tasks: SessionTask[] = [];
  private stream: SessionStream = { kind: 'none' };
  private shown: SessionStatus | undefined;
  private ended = false;
  /** A task changed since the session was last shown. */
  private dirty = false;
  /** Changes are shown in order: the stream and the status are one conversation with Slack. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly run: { runId: string; request: string; requesterId: string; session: AgentSession },
    private readonly record: Recorder,
  ) {}

  /** Sets a call's state; whether it changed. */
  task(
    id: string,
    tool: string,
    state: TaskState,
    extra: Pick<SessionTask, 'approval' | 'note'> = {},
  ): boolean {
    const task = this.tasks.find((t) => t.id === id);
    if (!task) {
      this.tasks.push({ id, tool, state, ...extra });
      this.dirty = true;
      return true;
    }
    const same =
      task.state === state &&
      task.note === extra.note &&
      task.approval?.requestId === extra.approval?.requestId;
    Object.assign(task, { tool, state, approval: extra.approval, note: extra.note });
    this.dirty ||= !same;
    return !same;
  }

  /** Shows the session as it stands now with `status`, unless nothing changed since it was last shown. */
  show(status: SessionStatus): Promise<void> {
    return this.enqueue(async () => {
      if (this.ended || (!this.dirty && status === this.shown)) return;
      this.dirty = false;
      const retitle = this.shown !== undefined && (status === 'suspended') !== (this.shown === 'suspended');
      await this.send({ status, ...(retitle ? { retitle } : {}) });
    });
  }

  /** Streams the run's result into its message; whether it went there (if not, the run posts it). */
  answer(outcome: RunOutcome): Promise<boolean> {
    return this.enqueue(async () => {
      if (this.ended) return false;
      const shown = await this.send({ status: 'active', answer: outcome });
      if (shown?.answered) this.ended = true;
      return shown?.answered ?? false;
    });
  }

  /** The run ends: the stream stops, the session is set to `status` then closed. Once, whichever way it ends. */
  end(status: SessionStatus): Promise<void> {
    return this.enqueue(async () => {
      if (this.ended) return;
      this.ended = true;
      await this.send({ status, end: true });
    });
  }

  private enqueue<T>(change: () => Promise<T>): Promise<T> {
    const next = this.queue.then(change);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async send(change: {
    status: SessionStatus;
    retitle?: boolean;
    answer?: RunOutcome;
    end?: boolean;
  }) {
    const { runId, request, requesterId, session } = this.run;
    try {
      const shown = await sessionSlack.showSession({
        runId,
        session,
        requesterId,
        request,
        ...change,
        ...(this.shown ? { previous: this.shown } : {}),
        first: this.shown === undefined,
        tasks: this.tasks.map((t) => ({ ...t })),
        stream: this.stream,
      });
      this.shown = change.status;
      this.stream = shown.stream;
      for (const refusal of shown.refused) this.record('slack_refused', 'system', refusal);
      return shown;
    } catch (error) {
      if (!(error instanceof ActivityFailure) || isCancellation(error)) throw error;
      // Slack kept failing past the bounded retries: the run goes on, and posts what the stream would have carried.
      const reason = activityReason(error);
      this.record('slack_refused', 'system', { what: 'showing the run in its agent session', error: reason });
      this.stream = { kind: 'refused', error: reason };
      return undefined;
    }
  }
}
