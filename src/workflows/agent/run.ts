// One agent run's state: what the `agent_status` query shows (status, steps, the approvals waiting, the thread, the
// outcome, the audit), the model's conversation, who stopped it, and its agent session. The workflow's handlers and
// steps (../agent.ts, ./take.ts, ./ask.ts) change it through these methods; `finish` ends it, wherever it ends.
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  CancellationScope,
  ChildWorkflowFailure,
  condition,
  workflowInfo,
} from '@temporalio/workflow';
import { INVALID_APPROVAL_PLAN } from '../../activities/failure-types.js';
import type { ConversationItem, NextStep, ReplyTo, TurnContext } from '../../activities/llm.js';
import type {
  ActionRecord,
  AgentInput,
  AgentStatus,
  ApprovalRecord,
  RunOutcome,
  RunStatusName,
} from '../../approval/run.js';
import type { AuditEvent, Person, Proposal, SlackMessageRef } from '../../approval/schemas.js';
import { runSlack as slack } from '../activities.js';
import { type Recorder, recorder } from '../audit.js';
import { failureMessage } from '../call-route.js';
import { AGENT_SESSION_PATCH, CodeVersion, FEWER_ACTIONS_PATCH } from '../patches.js';
import { RunSession } from '../session.js';
import { RunApprovals } from './approvals.js';

/** Thrown at the run's next step once its requester has stopped it; the run then ends, cancelled. */
export class RunStopped extends Error {
  override name = 'RunStopped';
}

/** An approval waiting now, as the query shows it. */
export type PendingApproval = NonNullable<AgentStatus['pending_approval']>;

export class AgentRun {
  /** The code the run started on, asked first (./patches.ts). */
  readonly code = CodeVersion.atStart();
  readonly runId = workflowInfo().workflowId;
  readonly startedAt = new Date().toISOString();
  readonly audit: AuditEvent[] = [];
  readonly record: Recorder;
  readonly actions: ActionRecord[] = [];
  /** How each approval ended, with its place in the run: calls asked together may settle in any order. */
  private readonly approvalRecords: { seq: number; record: ApprovalRecord }[] = [];
  status: RunStatusName = 'running';
  steps = 0;
  /** Approvals asked so far: the next one's place in the run. */
  approvals = 0;
  /** Cards listing calls asked together, posted so far. */
  batches = 0;
  /** The approvals asked for in this run's own workflow (the current code). */
  readonly approvalsHere = new RunApprovals();
  /** Approvals waiting now: one, or the calls of one model turn asked together. */
  readonly pendingApprovals: PendingApproval[] = [];
  thread: SlackMessageRef | null = null;
  outcome: RunOutcome | null = null;
  /** Tools whose output from outside the workspace this run has taken in, first first (Proposal's `outside`). */
  readonly readOutside: string[] = [];
  /** The model's side of the run: a conversation's earlier turns first, so the model reads the request in its context. */
  readonly conversation: ConversationItem[];
  /**
   * A run asked for in a conversation lives in its thread as an agent session (`/agent` runs, and runs from before
   * sessions, have none and never reach the patch).
   */
  readonly session: RunSession | undefined;
  /** The model's next step, taken with the last call's activity (./tool-call.ts): the next turn starts from it. */
  continued: NextStep | undefined;
  /** Who stopped the run (Slack's stop button on its agent session): only its requester may. */
  private stoppedBy: Person | undefined;

  constructor(readonly input: AgentInput) {
    this.record = recorder(this.audit, { runId: this.runId });
    this.session =
      input.session && this.code.has(AGENT_SESSION_PATCH)
        ? new RunSession(
            {
              runId: this.runId,
              request: input.request,
              requesterId: input.requester.id,
              session: input.session,
            },
            this.record,
          )
        : undefined;
    this.conversation = [
      ...(input.earlier ?? []).map(
        (turn): ConversationItem => ({ type: turn.role === 'user' ? 'user' : 'agent', text: turn.text }),
      ),
      { type: 'user', text: input.request },
    ];
  }

  /** The `agent_status` query's answer. */
  get snapshot(): AgentStatus {
    return {
      run_id: this.runId,
      status: this.status,
      request: this.input.request,
      requester: this.input.requester,
      started_at: this.startedAt,
      steps: this.steps,
      pending_approval: this.pendingApprovals[0] ?? null,
      pending_approvals: [...this.pendingApprovals],
      thread: this.thread,
      outcome: this.outcome,
      audit: this.audit,
    };
  }

  /** The session's status while the run works: suspended while any approval waits for a person. */
  get working(): 'suspended' | 'processing' {
    return this.pendingApprovals.length > 0 ? 'suspended' : 'processing';
  }

  recordRequested(): void {
    const { input } = this;
    this.record('request', input.requester, {
      request: input.request,
      channel: input.channel,
      team: input.teamId,
      // Asked for in a conversation: where (a mention, the Messages tab), its thread, and how many earlier turns it carries.
      ...(input.session
        ? {
            via: input.session.via,
            thread_ts: input.session.threadTs,
            earlier_turns: input.earlier?.length ?? 0,
          }
        : {}),
    });
  }

  /** The stop signal's handler: never throws, so a bad payload cannot fail a task. */
  stop(raw: unknown): void {
    const by = (raw as { by?: { id?: unknown; name?: unknown } } | undefined)?.by;
    if (typeof by?.id !== 'string' || by.id !== this.input.requester.id || this.stoppedBy) return;
    this.stoppedBy = { id: by.id, ...(typeof by.name === 'string' ? { name: by.name } : {}) };
    this.record('cancelled', this.stoppedBy, { stopped: true });
  }

  /** A stopped run does nothing more: no model step, no card, no tool; it ends with the result so far. */
  unlessStopped(): void {
    if (this.stoppedBy) throw new RunStopped();
  }

  /** Shows a turn's valid calls in the session, pending, before any of them is taken. */
  async showProposed(proposals: readonly Proposal[]): Promise<void> {
    const { session } = this;
    if (!session || proposals.length === 0) return;
    for (const proposal of proposals) session.task(proposal.callId, proposal.tool, 'pending');
    await session.show('processing');
  }

  /** Tells the model what became of a call it proposed. */
  tell(callId: string, output: string): void {
    this.conversation.push({ type: 'output', callId, output });
  }

  /** Keeps how an approval ended, at its place in the run. */
  approvalEnded(seq: number, record: ApprovalRecord): void {
    this.approvalRecords.push({ seq, record });
  }

  /** The run's outcome, were it to end with `result` now. */
  private outcomeOf(result: Omit<RunOutcome, 'requester' | 'actions' | 'approvals'>): RunOutcome {
    const approvals = this.approvalRecords.toSorted((a, b) => a.seq - b.seq).map((a) => a.record);
    return { ...result, requester: this.input.requester, actions: this.actions, approvals };
  }

  /**
   * The result is built from the requester's reads: it goes where they asked — the conversation's thread, for a run
   * asked for in one — and otherwise in the card's thread only when the card is there too (an approvals channel may
   * hold people who could not read what the run read).
   */
  private get resultGoesTo(): { channel: string; threadTs: string | undefined } {
    const { input, thread } = this;
    if (input.session) return { channel: input.session.channel, threadTs: input.session.threadTs };
    return thread && thread.channel === input.channel
      ? { channel: thread.channel, threadTs: thread.ts }
      : { channel: input.channel, threadTs: undefined };
  }

  /**
   * Where a final answer's result is posted by the model's activity itself, on the current code and outside an agent
   * session (whose stream carries the answer): the run then ends without an activity of its own to post it.
   */
  get replyWithAnswer(): ReplyTo | undefined {
    if (!this.code.since(FEWER_ACTIONS_PATCH) || this.session) return undefined;
    return {
      ...this.resultGoesTo,
      runId: this.runId,
      startedAt: this.startedAt,
      outcome: this.outcomeOf({ status: 'completed' }),
    };
  }

  /**
   * What the run says of itself with its next model step: who asks, what outside content it has read, and where a
   * final answer goes. The same whether the run asks the model itself or a call's activity goes on to it.
   */
  get asking(): Omit<TurnContext, 'policy'> {
    const reply = this.replyWithAnswer;
    return {
      requesterId: this.input.requester.id,
      readOutside: [...this.readOutside],
      ...(reply ? { reply } : {}),
    };
  }

  /**
   * Ends the run with `result`; `withAnswer`: what became of posting it with the model's answer (replyWithAnswer):
   * posted, or tried, when the run posts it only where that attempt did not.
   */
  async finish(
    result: Omit<RunOutcome, 'requester' | 'actions' | 'approvals'>,
    withAnswer: { posted?: SlackMessageRef; postTried?: true } = {},
  ): Promise<RunOutcome> {
    const { session } = this;
    const outcome = this.outcomeOf(result);
    this.outcome = outcome;
    this.status = outcome.status;
    this.record('final', 'system', {
      status: outcome.status,
      answer: outcome.answer,
      reason: outcome.reason,
    });
    if (withAnswer.posted) return outcome;
    // A session's stream carries the result into the thread; posted only where it did not.
    if (!(await session?.answer(outcome))) {
      await slack.postRunReply({
        ...this.resultGoesTo,
        runId: this.runId,
        startedAt: this.startedAt,
        outcome,
        ...(withAnswer.postTried ? { triedWithAnswer: true } : {}),
      });
      await session?.end('active');
    }
    return outcome;
  }

  /** Ends the run on what stopped it: the requester's stop, or a step that failed past its retries. */
  async ended(error: unknown): Promise<RunOutcome> {
    if (error instanceof RunStopped) {
      return await this.finish({
        status: 'cancelled',
        reason: 'stopped by the requester; nothing more was run',
      });
    }
    // An approval in the run whose rule has no stages: it fails the run, as it failed an approval's own workflow.
    const badPlan = error instanceof ApplicationFailure && error.type === INVALID_APPROVAL_PLAN;
    if (error instanceof ActivityFailure || error instanceof ChildWorkflowFailure || badPlan) {
      this.record('failed', 'system', { error: failureMessage(error) });
      if (this.outcome) throw error; // the final reply itself could not be posted: let Temporal show the failure
      const refused = error.cause instanceof ApplicationFailure && error.cause.nonRetryable;
      const modelGaveUp =
        error instanceof ActivityFailure &&
        (error.activityType === 'planNextStep' || error.activityType === 'beginRun') &&
        !refused;
      const reason = modelGaveUp
        ? `the model service kept failing, retries exhausted (last error: ${failureMessage(error)})`
        : failureMessage(error);
      return await this.finish({ status: 'failed', reason });
    }
    throw error;
  }

  /**
   * Every way a run ends closes its session, a cancelled run's too; and the answers its approvals owe a decider (the
   * Update that ended one) go out before it ends.
   */
  async close(): Promise<void> {
    const { session } = this;
    if (session) await CancellationScope.nonCancellable(() => session.end('closed'));
    await CancellationScope.nonCancellable(() => condition(allHandlersFinished));
  }
}
