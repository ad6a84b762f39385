// One approval: its plan's stages in order, each collecting approvals from distinct people until its quorum,
// any rejection vetoing the whole request. Durable timers drive each stage's reminder, escalation and timeout.
// Every card of the request is kept in step with its state, and updated in place once it ends.
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { createSlackActivities } from '../activities/slack.js';
import {
  checkDecision,
  countedReviewers,
  type DecisionRefusal,
  REFUSAL_TEXT,
  widenEligibility,
} from '../approval/policy.js';
import type {
  ApprovalDecisionRecord,
  ApprovalInput,
  ApprovalOutcome,
  ApprovalStatus,
  ApprovalStatusName,
  AuditEvent,
  Eligibility,
  SlackMessageRef,
  StagePlan,
  StageSummary,
} from '../approval/schemas.js';
import { parseApprovalDecision, parseWithdrawal } from '../approval/signals.js';
import type { ApprovalCardView } from '../slack/blocks/approval-card.js';
import type { ApprovalNote } from '../slack/blocks/approval-notes.js';
import { approvalDecisionSignal, approvalStatusQuery, withdrawRequestSignal } from './messages.js';

/**
 * Attempts of each Slack call on the approval path: about two minutes of backoff. Past that, Slack is refusing for
 * good or is down, and the request must end visibly rather than wait forever with nothing to click.
 */
const SLACK_ATTEMPTS_MAX = 8;

const slack = proxyActivities<ReturnType<typeof createSlackActivities>>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: SLACK_ATTEMPTS_MAX,
  },
});

/** Who may decide while no stage is open (the first one's approvers are still being resolved): nobody. */
const NOBODY: Eligibility = { kind: 'listed', users: [], userGroups: [] };

/** What a stage waits for next: a decision, its reminder, its escalation, or its end. */
interface StageTimers {
  remindAtMs: number | undefined;
  escalateAtMs: number | undefined;
  expiresAtMs: number;
}

export async function approvalWorkflow(input: ApprovalInput): Promise<ApprovalOutcome> {
  const { workflowId } = workflowInfo();
  const { plan } = input;
  if (plan.stages.length === 0) {
    // Approving with no stage to pass would let the call run unapproved: refuse instead.
    throw ApplicationFailure.nonRetryable(
      `the approval rule "${plan.rule}" has no stages`,
      'InvalidApprovalPlan',
    );
  }
  const requestedAtMs = Date.now();
  let status: ApprovalStatusName = 'pending';
  let decision: ApprovalDecisionRecord | undefined;
  /** The first card (its thread holds the chain) and any copies posted by escalation. */
  const cards: SlackMessageRef[] = [];
  const stages: StageSummary[] = [];
  let withdrawnBy: ApprovalOutcome['withdrawnBy'];
  let timedOut: ApprovalOutcome['timedOut'];
  let failure: string | undefined;
  /** The workspace Countersign is installed in: decisions from another team are refused. */
  let teamId: string | undefined;
  let labels: Record<string, string> = {};
  /** Bumped by every accepted decision, so the main loop knows the cards need updating. */
  let changes = 0;
  const audit: AuditEvent[] = [];

  const record = (type: AuditEvent['type'], actor: AuditEvent['actor'], details: Record<string, unknown>) => {
    const event: AuditEvent = {
      at: new Date().toISOString(),
      type,
      actor,
      runId: input.runId,
      requestId: input.requestId,
      details,
    };
    audit.push(event);
    log.info('audit', { audit: event });
  };

  const currentStage = (): StageSummary | undefined => stages.at(-1);
  const currentPlan = (): StagePlan | undefined => plan.stages[stages.length - 1];
  const expiresAt = () => currentStage()?.expires_at ?? new Date(requestedAtMs).toISOString();
  const eligibility = () => currentStage()?.eligibility ?? NOBODY;

  const view = (): ApprovalCardView => ({
    workflowId,
    requestId: input.requestId,
    runId: input.runId,
    request: input.request,
    requester: input.requester,
    proposal: input.proposal,
    eligibility: eligibility(),
    expiresAt: expiresAt(),
    timeoutMs: currentPlan()?.timeoutMs ?? 0,
    status,
    decision,
    stageNames: plan.stages.map((s) => s.name),
    stages,
    allowSelfApproval: plan.allowSelfApproval,
    labels,
  });

  setHandler(
    approvalStatusQuery,
    (): ApprovalStatus => ({
      request_id: input.requestId,
      status,
      proposal: input.proposal,
      requester: input.requester,
      request: input.request,
      run_id: input.runId,
      requested_at: new Date(requestedAtMs).toISOString(),
      expires_at: expiresAt(),
      eligibility: eligibility(),
      allow_self_approval: plan.allowSelfApproval,
      card: cards[0] ?? null,
      cards,
      ...(decision ? { decision } : {}),
      stage_names: plan.stages.map((s) => s.name),
      stages,
      labels,
      audit,
    }),
  );

  // Validates everything and never throws: a bad signal must not fail the workflow task.
  setHandler(approvalDecisionSignal, (raw: unknown) => {
    const parsed = parseApprovalDecision(raw);
    if (!parsed.success) {
      record('decision_ignored', 'system', {
        reason: 'malformed',
        explanation: REFUSAL_TEXT.malformed,
        issues: parsed.issues,
      });
      return;
    }
    const signal = parsed.data;
    const actor = signal.reviewer ?? 'operator';
    const stage = currentStage();
    const check = checkDecision(signal, {
      requestId: input.requestId,
      // Between stages, or before the first opens, there is nothing to decide on.
      pending: status === 'pending' && stage?.status === 'pending',
      nowMs: Date.now(),
      expiresAtMs: Date.parse(expiresAt()),
      requester: input.requester,
      eligibility: eligibility(),
      allowSelfApproval: plan.allowSelfApproval,
      counted: countedReviewers(stages),
      digest: input.proposal.digest,
      teamId,
      stage: stages.length,
    });
    if (!check.ok) {
      record('decision_ignored', actor, {
        reason: check.reason,
        explanation: REFUSAL_TEXT[check.reason],
        approved: signal.approved,
        signalled_request_id: signal.request_id,
        ...(signal.proposal_digest ? { signalled_digest: signal.proposal_digest } : {}),
        ...(signal.team_id ? { team: signal.team_id } : {}),
      });
      return;
    }
    if (!stage) return; // unreachable: with no stage open, the check above refused as not pending
    const accepted: ApprovalDecisionRecord = {
      approved: signal.approved,
      notes: signal.reviewer_notes?.trim() || null,
      decidedAt: new Date().toISOString(),
      reviewer: signal.reviewer,
    };
    changes += 1;
    if (!accepted.approved) {
      // A veto: one rejection ends the request, whatever the quorum.
      stage.status = 'rejected';
      status = 'rejected';
      decision = accepted;
    } else {
      stage.approvals.push(accepted);
      // An operator, deciding through Temporal itself, passes the stage outright.
      if (stage.approvals.length >= stage.required || !accepted.reviewer) {
        stage.status = 'approved';
        // The request's decision is the approval that passed its last stage; earlier ones only open the next.
        if (stages.length === plan.stages.length) decision = accepted;
      }
    }
    record('decision', actor, {
      approved: accepted.approved,
      notes: accepted.notes,
      stage: stage.name,
      ...(accepted.approved ? { progress: `${stage.approvals.length} of ${stage.required}` } : {}),
      ...(signal.decided_at ? { claimed_decided_at: signal.decided_at } : {}),
      // Bound: the reviewer was shown this very proposal (the Slack app's path). Unbound: an operator's signal.
      bound_to_digest: signal.proposal_digest !== undefined,
      ...(signal.team_id ? { team: signal.team_id } : {}),
    });
  });

  setHandler(withdrawRequestSignal, (raw: unknown) => {
    const parsed = parseWithdrawal(raw);
    const ignore = (reason: DecisionRefusal, actor: AuditEvent['actor']) =>
      record('decision_ignored', actor, { reason, explanation: REFUSAL_TEXT[reason], withdrawal: true });
    if (!parsed.success) return ignore('malformed', 'system');
    const actor = parsed.data.by ?? 'operator';
    if (parsed.data.request_id !== input.requestId) return ignore('wrong_request', actor);
    if (status !== 'pending') return ignore('already_decided', actor);
    if (parsed.data.by && parsed.data.by.id !== input.requester.id) return ignore('not_requester', actor);
    status = 'cancelled';
    withdrawnBy = actor;
    record('cancelled', actor, { withdrawn: true });
  });

  /**
   * Slack I/O that must not undo a decision: Temporal retries what can succeed, so a failure here is Slack
   * refusing for good (a card deleted, the bot removed from a channel). It is audited, and the approval goes on.
   */
  const bestEffort = async (what: string, post: () => Promise<unknown>): Promise<void> => {
    try {
      await post();
    } catch (error) {
      if (!(error instanceof ActivityFailure) || isCancellation(error)) throw error;
      record('slack_refused', 'system', { what, error: error.cause?.message ?? error.message });
    }
  };

  const updateCards = () =>
    Promise.all(
      cards.map((card) =>
        bestEffort(`updating the card in ${card.channel}`, () => slack.updateApprovalCard(view(), card)),
      ),
    ).then(() => undefined);

  let notes = 0;
  const postNote = async (note: ApprovalNote) => {
    const thread = cards[0];
    if (!thread) return;
    notes += 1;
    const noteId = `${input.requestId}/note-${notes}`;
    await bestEffort(`posting the ${note.kind.replace('_', ' ')} note`, () =>
      slack.postApprovalNote({ channel: thread.channel, threadTs: thread.ts, noteId, note }),
    );
  };

  const openStage = async (stagePlan: StagePlan): Promise<StageSummary> => {
    const eligibility = await slack.resolveApprovers(stagePlan.approvers);
    // The first stage's clock runs from the request, not from whenever Slack let the card be posted.
    const openedAtMs = stages.length === 0 ? requestedAtMs : Date.now();
    const stage: StageSummary = {
      name: stagePlan.name,
      required: stagePlan.required,
      status: 'pending',
      eligibility,
      approvals: [],
      opened_at: new Date(openedAtMs).toISOString(),
      expires_at: new Date(openedAtMs + stagePlan.timeoutMs).toISOString(),
      escalated: false,
    };
    stages.push(stage);
    record('stage_opened', 'policy', {
      stage: stage.name,
      number: stages.length,
      of: plan.stages.length,
      required: stage.required,
      eligibility,
      expires_at: stage.expires_at,
    });
    return stage;
  };

  const escalate = async (stage: StageSummary, stagePlan: StagePlan) => {
    stage.escalated = true;
    const target = stagePlan.escalateTo;
    const added = target?.approvers ? await slack.resolveApprovers(target.approvers) : undefined;
    if (added) stage.eligibility = widenEligibility(stage.eligibility, added);
    const afterMs = stagePlan.escalateAfterMs ?? 0;
    record('escalation', 'policy', {
      stage: stage.name,
      after_ms: afterMs,
      ...(added ? { added } : {}),
      ...(target?.channel ? { channel: target.channel } : {}),
    });
    const channel = target?.channel;
    if (channel && !cards.some((c) => c.channel === channel)) {
      await bestEffort(`posting a copy of the card in ${channel}`, async () => {
        const copy = await slack.postApprovalCard({ ...view(), channel });
        cards.push(copy);
        record('card_posted', 'system', { channel, ts: copy.ts, copy: true });
      });
    }
    await postNote({ kind: 'escalation', stage, afterMs, added, channel: target?.channel });
    await updateCards();
  };

  /** Waits out one stage: decisions update the cards; quiet time reminds; a long wait escalates; the end expires. */
  const waitForStage = async (stage: StageSummary, stagePlan: StagePlan) => {
    const openedAtMs = Date.parse(stage.opened_at);
    const timers: StageTimers = {
      remindAtMs: stagePlan.remindAfterMs === undefined ? undefined : openedAtMs + stagePlan.remindAfterMs,
      escalateAtMs:
        stagePlan.escalateAfterMs === undefined ? undefined : openedAtMs + stagePlan.escalateAfterMs,
      expiresAtMs: Date.parse(stage.expires_at),
    };
    let seen = changes;
    while (status === 'pending' && stage.status === 'pending') {
      const next = Math.min(
        timers.remindAtMs ?? Infinity,
        timers.escalateAtMs ?? Infinity,
        timers.expiresAtMs,
      );
      const stirred = await condition(
        () => changes !== seen || status !== 'pending' || stage.status !== 'pending',
        // At least 1 ms: a zero timeout would mean "no timeout".
        Math.max(1, next - Date.now()),
      );
      if (stirred) {
        if (status !== 'pending' || stage.status !== 'pending') break;
        seen = changes;
        // A decision breaks the quiet: the next reminder comes a whole quiet time after it.
        if (stagePlan.remindAfterMs !== undefined) timers.remindAtMs = Date.now() + stagePlan.remindAfterMs;
        await updateCards();
        continue;
      }
      const now = Date.now();
      if (now >= timers.expiresAtMs) {
        stage.status = 'timed_out';
        status = 'timed_out';
        timedOut = { stage: stage.name, afterMs: stagePlan.timeoutMs };
        record('timed_out', 'system', {
          stage: stage.name,
          after_ms: stagePlan.timeoutMs,
          means: plan.onTimeout,
        });
        break;
      }
      if (timers.escalateAtMs !== undefined && now >= timers.escalateAtMs) {
        timers.escalateAtMs = undefined;
        await escalate(stage, stagePlan);
        // A decision may have come in meanwhile: look again before anything else is due.
        continue;
      }
      if (timers.remindAtMs !== undefined && now >= timers.remindAtMs) {
        // One reminder per quiet stretch: the next only after a decision breaks the quiet.
        timers.remindAtMs = undefined;
        const quietMs = stagePlan.remindAfterMs ?? 0;
        record('reminder', 'system', { stage: stage.name, quiet_ms: quietMs });
        await postNote({ kind: 'reminder', stage, quietMs, counted: countedReviewers(stages) });
      }
    }
  };

  /** The first card, or undefined when Slack refuses it for good: then the request ends, nothing run. */
  const postFirstCard = async (): Promise<SlackMessageRef | undefined> => {
    try {
      return await slack.postApprovalCard({ ...view(), channel: input.channel });
    } catch (error) {
      if (!(error instanceof ActivityFailure) || isCancellation(error)) throw error;
      const reason = error.cause?.message ?? error.message;
      failure = `the approval card could not be posted (${reason})`;
      // A withdrawal while Slack was being asked stands: the request was cancelled either way.
      if (status === 'pending') status = 'cancelled';
      record('card_not_posted', 'system', { channel: input.channel, error: reason });
      return undefined;
    }
  };

  record('approval_requested', 'policy', {
    tool: input.proposal.tool,
    arguments: input.proposal.arguments,
    digest: input.proposal.digest,
    risk: input.proposal.risk,
    requester: input.requester,
    rule: plan.rule,
    stages: plan.stages.map((s) => ({ name: s.name, required: s.required, timeout_ms: s.timeoutMs })),
    allow_self_approval: plan.allowSelfApproval,
    on_timeout: plan.onTimeout,
  });

  try {
    teamId = await slack.installedTeam();
    labels = await slack.labelSlackIds(input.proposal.arguments);
    for (const [index, stagePlan] of plan.stages.entries()) {
      const passed = currentStage();
      if (passed) {
        record('stage_passed', 'policy', {
          stage: passed.name,
          approved_by: passed.approvals.map((a) => a.reviewer ?? 'operator'),
        });
      }
      const stage = await openStage(stagePlan);
      if (!passed) {
        const card = await postFirstCard();
        if (!card) break;
        cards.push(card);
        record('card_posted', 'system', { channel: card.channel, ts: card.ts });
      } else {
        await updateCards();
        await postNote({
          kind: 'stage_opened',
          passed,
          stage,
          stageNumber: index + 1,
          stageCount: plan.stages.length,
        });
      }
      await waitForStage(stage, stagePlan);
      if (status !== 'pending') break;
    }
    if (status === 'pending') status = 'approved';
  } catch (error) {
    if (isCancellation(error)) {
      status = 'cancelled';
      record('cancelled', 'system', {});
    } else if (error instanceof ActivityFailure) {
      // Slack or Temporal made it impossible to go on asking (approvers that cannot be resolved, an outage past
      // every retry): end the request visibly, nothing run, rather than leave buttons that lead nowhere.
      status = 'cancelled';
      failure = `Slack could not be asked: ${error.cause?.message ?? error.message}`;
      record('failed', 'system', { error: failure });
    } else {
      throw error;
    }
  }
  const stage = currentStage();
  if (stage?.status === 'pending') stage.status = status;

  // Runs even when this workflow is being cancelled: no card may keep live buttons.
  await CancellationScope.nonCancellable(updateCards);
  record('approval_outcome', 'system', { status });
  return {
    requestId: input.requestId,
    status: status as ApprovalOutcome['status'],
    ...(decision ? { decision } : {}),
    approvals: stages.flatMap((s) => s.approvals),
    ...(withdrawnBy ? { withdrawnBy } : {}),
    ...(timedOut ? { timedOut } : {}),
    ...(failure ? { failure } : {}),
    card: cards[0] ?? null,
    audit,
  };
}
