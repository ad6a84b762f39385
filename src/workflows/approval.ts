// One approval: its plan's stages in order, each collecting approvals from distinct people until its quorum, any
// rejection vetoing the whole request. Durable timers drive each stage's reminder, escalation and timeout. The rules
// live in src/approval/state.ts; this file wires messages, timers and activities to them. Every card of the request is
// kept in step with its snapshot, and updated in place once it ends.
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  log,
  ParentClosePolicy,
  patched,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { INVALID_APPROVAL_PLAN } from '../activities/failure-types.js';
import { describeChanges } from '../approval/changes.js';
import { planAfterEdit } from '../approval/demands.js';
import {
  checkDecision,
  countedReviewers,
  type DecisionRefusal,
  planFor,
  REFUSAL_TEXT,
  RISK_RANK,
  widenEligibility,
} from '../approval/policy.js';
import type {
  ApprovalInput,
  ApprovalNote,
  ApprovalOutcome,
  ApprovalStatus,
  AuditEvent,
  Eligibility,
  ProposalEdit,
  SlackMessageRef,
  StagePlan,
  StageSummary,
} from '../approval/schemas.js';
import { type ApprovalDecision, parseApprovalDecision, parseWithdrawal } from '../approval/signals.js';
import { standingMaxFor } from '../approval/standing.js';
import {
  applyDecision,
  applyEdit,
  applyWithdrawal,
  type DecisionAnswer,
  type DecisionRules,
  decisionRules,
  dueTimer,
  NOBODY,
  nextTimerAt,
  stageTimers,
  submissionRefusal,
} from '../approval/state.js';
import { editChecks, approvalSlack as slack } from './activities.js';
import { standingGrantWorkflow } from './grant.js';
import {
  approvalDecisionSignal,
  approvalStatusQuery,
  submitDecisionUpdate,
  withdrawRequestSignal,
} from './messages.js';
import { BOUNDS_PATCH } from './patches.js';
import { inboxAttributes } from './search-attributes.js';
import { metrics } from './sinks.js';

/** Patch id of the change that made approvals searchable (the App Home inbox): runs started before it are not. */
export const INBOX_PATCH = 'inbox-search-attributes';
/** Why a signal that changes the arguments is refused: the change is checked against the tool, which a signal cannot wait for. */
const EDIT_ONLY_BY_UPDATE =
  'changed arguments are taken only through Update submit_decision, which checks them first';

/** Patch id of the change that asks Slack for the team, the IDs' names and the first approvers in one activity. */
export const PREPARE_PATCH = 'one-preparation-activity';

export async function approvalWorkflow(input: ApprovalInput): Promise<ApprovalOutcome> {
  // An edited call continues under whichever plan demands more: see decideEdit.
  let plan = input.plan;
  if (plan.stages.length === 0) {
    // Approving with no stage to pass would let the call run unapproved: refuse instead.
    throw ApplicationFailure.nonRetryable(
      `the approval rule "${plan.rule}" has no stages`,
      INVALID_APPROVAL_PLAN,
    );
  }
  const requestedAt = new Date().toISOString();
  const snapshot: ApprovalStatus = {
    request_id: input.requestId,
    workflow_id: workflowInfo().workflowId,
    status: 'pending',
    proposal: input.proposal,
    requester: input.requester,
    request: input.request,
    run_id: input.runId,
    requested_at: requestedAt,
    expires_at: requestedAt,
    eligibility: NOBODY,
    allow_self_approval: plan.allowSelfApproval,
    // Edits need the run's policy, to find the rule of the edited call; runs from before edits lack it.
    allow_edit: plan.allowEdit !== false && input.policy !== undefined,
    standing_max_ms: standingMaxFor(plan, input.proposal.risk),
    card: null,
    cards: [],
    stage_names: plan.stages.map((s) => s.name),
    stages: [],
    labels: {},
    ...(input.readOutside?.length ? { read_outside: input.readOutside } : {}),
    audit: [],
  };
  // Visibility: who may decide now, and how the request stands, for the App Home inbox to list.
  const searchable = patched(INBOX_PATCH);
  const index = () => {
    if (searchable) upsertSearchAttributes(inboxAttributes(snapshot));
  };
  index();

  /** Bumped by every accepted decision, so the main loop knows the cards need updating. */
  let changes = 0;

  const record = (type: AuditEvent['type'], actor: AuditEvent['actor'], details: Record<string, unknown>) => {
    const event: AuditEvent = {
      at: new Date().toISOString(),
      type,
      actor,
      runId: input.runId,
      requestId: input.requestId,
      details,
    };
    snapshot.audit.push(event);
    log.info('audit', { audit: event });
  };

  const currentStage = (): StageSummary | undefined => snapshot.stages.at(-1);

  // ---- messages ------------------------------------------------------------------------------------------------

  setHandler(approvalStatusQuery, () => snapshot);

  /**
   * The rules a decision is checked by now. Whoever changed the call may not decide on it; runs from before
   * BOUNDS_PATCH let them, and keep that answer where it is the only difference.
   */
  const rulesFor = (decision: ApprovalDecision): DecisionRules => {
    const rules = decisionRules(snapshot, Date.now());
    const check = checkDecision(decision, rules);
    if (check.ok || check.reason !== 'own_edit') return rules;
    const before = { ...rules, editors: [] };
    return checkDecision(decision, before).ok && !patched(BOUNDS_PATCH) ? before : rules;
  };

  /** Every decision, from the Update or the signal, goes through here: validated, applied by the rules, audited. */
  const decide = (raw: unknown, via: 'update' | 'signal'): DecisionAnswer => {
    const parsed = parseApprovalDecision(raw);
    if (!parsed.success) {
      record('decision_ignored', 'system', {
        reason: 'malformed',
        explanation: REFUSAL_TEXT.malformed,
        issues: parsed.issues,
        via,
      });
      return { accepted: false, reason: 'malformed', explanation: REFUSAL_TEXT.malformed };
    }
    const decision = parsed.data;
    const actor = decision.reviewer ?? 'operator';
    const stageName = currentStage()?.name;
    const tooLong = decision.standing && decision.standing.for_ms > (snapshot.standing_max_ms ?? 0);
    // Changed arguments are checked against the tool first (decideEdit); here they would approve the call unchanged.
    const answer: DecisionAnswer =
      decision.edited_arguments !== undefined
        ? { accepted: false, reason: 'edit_not_allowed', explanation: EDIT_ONLY_BY_UPDATE }
        : tooLong
          ? {
              accepted: false,
              reason: 'standing_not_allowed',
              explanation: REFUSAL_TEXT.standing_not_allowed,
            }
          : applyDecision(snapshot, decision, Date.now(), rulesFor(decision));
    const bound = {
      ...(decision.proposal_digest ? { signalled_digest: decision.proposal_digest } : {}),
      ...(decision.team_id ? { team: decision.team_id } : {}),
      via,
    };
    if (!answer.accepted) {
      record('decision_ignored', actor, {
        reason: answer.reason,
        explanation: answer.explanation,
        approved: decision.approved,
        signalled_request_id: decision.request_id,
        ...bound,
      });
      return answer;
    }
    changes += 1;
    // Given once the request is approved, and only if this approval decided it (see standingMaxFor).
    if (decision.standing && decision.reviewer) {
      const keys = Object.keys(snapshot.proposal.arguments);
      snapshot.standing = {
        by: decision.reviewer,
        for_ms: decision.standing.for_ms,
        vary: decision.standing.vary.filter((key) => keys.includes(key)),
      };
    }
    record('decision', actor, {
      approved: decision.approved,
      notes: decision.reviewer_notes?.trim() || null,
      stage: stageName,
      ...(decision.approved ? { progress: answer.progress } : {}),
      ...(decision.decided_at ? { claimed_decided_at: decision.decided_at } : {}),
      // Bound: the reviewer was shown this very proposal (the Slack app's path). Unbound: an operator's signal.
      bound_to_digest: decision.proposal_digest !== undefined,
      ...bound,
    });
    return answer;
  };

  /** Set by an accepted edit: the stages start over for the edited call. */
  let restart = false;
  /**
   * The editor's own approval of the edited call, offered once its first stage has reopened (it counts only where the
   * rule allows self-approval: the editor wrote the call); then its answer.
   */
  let editorApproval: ApprovalDecision | undefined;
  let editorAnswer: DecisionAnswer | undefined;

  /**
   * Edit before approve: the edited call is checked like a model's proposal (schema, refusals, risk), continues under
   * whichever of its rule and its own rule demands more (both, in turn, when neither does: see planAfterEdit), and its
   * approval starts over. Answered once that is done.
   */
  const decideEdit = async (
    decision: ApprovalDecision,
    edited: Record<string, unknown>,
  ): Promise<DecisionAnswer> => {
    const actor = decision.reviewer ?? 'operator';
    const refuse = (reason: DecisionRefusal, explanation = REFUSAL_TEXT[reason]): DecisionAnswer => {
      record('decision_ignored', actor, { reason, explanation, edited: true, via: 'update' });
      return { accepted: false, reason, explanation };
    };
    if (!snapshot.allow_edit) return refuse('edit_not_allowed');
    const rulesNow = () => checkDecision(decision, rulesFor(decision));
    const before = rulesNow();
    if (!before.ok) return refuse(before.reason);
    const checked = await editChecks.checkEditedCall({
      proposal: snapshot.proposal,
      arguments: edited,
      request: input.request,
    });
    if (!checked.ok) return refuse('invalid_edit', checked.error);
    // The request may have moved on while the edit was checked.
    const after = rulesNow();
    if (!after.ok) return refuse(after.reason);
    const proposal = { ...checked.proposal, callId: snapshot.proposal.callId };
    const { edited_arguments: _, ...approval } = decision;
    if (proposal.digest === snapshot.proposal.digest) return decide(approval, 'update');
    // The rule the policy has for the call as edited (edits are offered only where the run carries its policy).
    const own = input.policy ? planFor(proposal, input.policy) : plan;
    const bounded = planAfterEdit(plan, own);
    // Before BOUNDS_PATCH a riskier call went to its own rule, whatever that demanded: runs from then keep that.
    const byRisk =
      RISK_RANK[proposal.risk] > RISK_RANK[snapshot.proposal.risk] && own.stages.length > 0 ? own : plan;
    const chosen = bounded.rule === byRisk.rule || patched(BOUNDS_PATCH) ? bounded : byRisk;
    const newPlan = chosen.rule !== plan.rule ? chosen : undefined;
    // It stays under a rule that asks at least what its own does: said on the card, so later approvers know why.
    const kept = chosen === plan && bounded === plan && own.rule !== plan.rule ? own.rule : undefined;
    const change: ProposalEdit = {
      by: decision.reviewer ?? { id: 'operator' },
      at: new Date().toISOString(),
      before: snapshot.proposal.arguments,
      after: proposal.arguments,
      changes: describeChanges(snapshot.proposal.arguments, proposal.arguments),
      ...(newPlan ? { rule: newPlan.rule } : {}),
      ...(kept ? { own_rule: kept } : {}),
    };
    record('edited', actor, {
      before: { arguments: change.before, digest: snapshot.proposal.digest, risk: snapshot.proposal.risk },
      after: { arguments: change.after, digest: proposal.digest, risk: proposal.risk },
      changes: change.changes,
      ...(own.rule !== plan.rule ? { rule: { from: plan.rule, to: chosen.rule, own: own.rule } } : {}),
      notes: decision.reviewer_notes?.trim() || null,
    });
    applyEdit(snapshot, change, proposal, newPlan);
    if (newPlan) plan = newPlan;
    snapshot.standing_max_ms = standingMaxFor(plan, proposal.risk);
    editorAnswer = undefined;
    editorApproval = { ...approval, proposal_digest: proposal.digest, stage: 1 };
    restart = true;
    changes += 1;
    await condition(() => editorAnswer !== undefined || snapshot.status !== 'pending');
    return editorAnswer ?? refuse('already_decided');
  };

  // The Slack app's path: the reviewer learns at once whether their decision counted, and why not. A decision the
  // rules refuse as it arrives is refused by the validator, which writes nothing to the history: refused clicks
  // cannot grow it. The Slack app audits those refusals in its own log.
  setHandler(
    submitDecisionUpdate,
    (payload) =>
      payload.edited_arguments !== undefined && parseApprovalDecision(payload).success
        ? decideEdit(payload, payload.edited_arguments)
        : decide(payload, 'update'),
    {
      validator: (payload) => {
        const parsed = parseApprovalDecision(payload);
        const refusal = parsed.success
          ? submissionRefusal(snapshot, parsed.data, Date.now())
          : { reason: 'malformed' as const, explanation: REFUSAL_TEXT.malformed };
        if (refusal) {
          throw ApplicationFailure.create({
            type: refusal.reason,
            message: refusal.explanation,
            nonRetryable: true,
          });
        }
      },
    },
  );
  // Public API (the recipe's CLI command, operators): fire and forget; never throws, so a bad payload cannot fail a task.
  setHandler(approvalDecisionSignal, (raw) => void decide(raw, 'signal'));

  setHandler(withdrawRequestSignal, (raw) => {
    const parsed = parseWithdrawal(raw);
    if (!parsed.success) {
      record('decision_ignored', 'system', {
        reason: 'malformed',
        explanation: REFUSAL_TEXT.malformed,
        withdrawal: true,
      });
      return;
    }
    const actor = parsed.data.by ?? 'operator';
    const withdrawn = applyWithdrawal(snapshot, parsed.data);
    if (!withdrawn.ok) {
      record('decision_ignored', actor, {
        reason: withdrawn.reason,
        explanation: REFUSAL_TEXT[withdrawn.reason],
        withdrawal: true,
      });
      return;
    }
    record('cancelled', actor, { withdrawn: true });
  });

  // ---- Slack -----------------------------------------------------------------------------------------------------

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
      snapshot.cards.map((card) =>
        bestEffort(`updating the card in ${card.channel}`, () => slack.updateApprovalCard(snapshot, card)),
      ),
    ).then(() => undefined);

  let notes = 0;
  const postNote = async (note: ApprovalNote) => {
    const thread = snapshot.card;
    if (!thread) return;
    notes += 1;
    const noteId = `${input.requestId}/note-${notes}`;
    await bestEffort(`posting the ${note.kind.replace('_', ' ')} note`, () =>
      slack.postApprovalNote({ channel: thread.channel, threadTs: thread.ts, noteId, note }),
    );
  };

  const addCard = (card: SlackMessageRef, copy: boolean) => {
    snapshot.cards.push(card);
    snapshot.card ??= card;
    record('card_posted', 'system', { channel: card.channel, ts: card.ts, ...(copy ? { copy: true } : {}) });
  };

  /** The first card, or false when Slack refuses it for good: then the request ends, nothing run. */
  const postFirstCard = async (): Promise<boolean> => {
    try {
      addCard(await slack.postApprovalCard({ snapshot, channel: input.channel }), false);
      return true;
    } catch (error) {
      if (!(error instanceof ActivityFailure) || isCancellation(error)) throw error;
      const reason = error.cause?.message ?? error.message;
      snapshot.failure = `the approval card could not be posted (${reason})`;
      // A withdrawal while Slack was being asked stands: the request was cancelled either way.
      if (snapshot.status === 'pending') snapshot.status = 'cancelled';
      record('card_not_posted', 'system', { channel: input.channel, error: reason });
      return false;
    }
  };

  // ---- a standing approval -------------------------------------------------------------------------------------

  const giveStandingApproval = async () => {
    const asked = snapshot.standing;
    if (snapshot.status !== 'approved' || !asked || snapshot.decision?.reviewer?.id !== asked.by.id) return;
    const givenAt = Date.now();
    const grantId = `${workflowInfo().workflowId}/standing`;
    const fixed = Object.fromEntries(
      Object.entries(snapshot.proposal.arguments).filter(([key]) => !asked.vary.includes(key)),
    );
    // Abandoned by this workflow on purpose: the grant outlives the approval it came with.
    await startChild(standingGrantWorkflow, {
      workflowId: grantId,
      parentClosePolicy: ParentClosePolicy.ABANDON,
      args: [
        {
          grant_id: grantId,
          requester: snapshot.requester,
          tool: snapshot.proposal.tool,
          fixed,
          vary: asked.vary,
          grantor: asked.by,
          // What it may cover: calls under this rule at no higher risk (an edit's rule and risk, if edited).
          rule: plan.rule,
          risk: snapshot.proposal.risk,
          given_at: new Date(givenAt).toISOString(),
          expires_at: new Date(givenAt + asked.for_ms).toISOString(),
          request_id: snapshot.request_id,
          run_id: snapshot.run_id,
        },
      ],
    });
    snapshot.grant_id = grantId;
    record('grant_given', asked.by, {
      grant_id: grantId,
      for_ms: asked.for_ms,
      vary: asked.vary,
      rule: plan.rule,
      risk: snapshot.proposal.risk,
    });
  };

  // ---- stages ----------------------------------------------------------------------------------------------------

  /** Opens a stage; `resolved`: its approvers when already asked for (the first stage's, with the preparation). */
  const openStage = async (stagePlan: StagePlan, resolved?: Eligibility): Promise<StageSummary> => {
    const eligibility = resolved ?? (await slack.resolveApprovers(stagePlan.approvers));
    // The first stage's clock runs from the request, not from whenever Slack let the card be posted; when an edit
    // restarted it, from the edit (runs from before BOUNDS_PATCH counted that one from the request too).
    const editedAt = snapshot.stages.length === 0 ? snapshot.edits?.at(-1)?.at : undefined;
    const openedAtMs =
      snapshot.stages.length > 0
        ? Date.now()
        : editedAt !== undefined && editedAt !== requestedAt && patched(BOUNDS_PATCH)
          ? Date.parse(editedAt)
          : Date.parse(requestedAt);
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
    snapshot.stages.push(stage);
    snapshot.eligibility = eligibility;
    snapshot.expires_at = stage.expires_at;
    index();
    record('stage_opened', 'policy', {
      stage: stage.name,
      number: snapshot.stages.length,
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
    if (added) {
      stage.eligibility = widenEligibility(stage.eligibility, added);
      snapshot.eligibility = stage.eligibility;
      index();
    }
    const afterMs = stagePlan.escalateAfterMs ?? 0;
    record('escalation', 'policy', {
      stage: stage.name,
      after_ms: afterMs,
      ...(added ? { added } : {}),
      ...(target?.channel ? { channel: target.channel } : {}),
    });
    const channel = target?.channel;
    if (channel && !snapshot.cards.some((c) => c.channel === channel)) {
      await bestEffort(`posting a copy of the card in ${channel}`, async () => {
        addCard(await slack.postApprovalCard({ snapshot, channel }), true);
      });
    }
    await postNote({ kind: 'escalation', stage, afterMs, added, channel: target?.channel });
    await updateCards();
  };

  const stillPending = (stage: StageSummary) =>
    snapshot.status === 'pending' && stage.status === 'pending' && !restart;

  /** Waits out one stage: decisions update the cards; quiet time reminds; a long wait escalates; the end expires. */
  const waitForStage = async (stage: StageSummary, stagePlan: StagePlan) => {
    const timers = stageTimers(Date.parse(stage.opened_at), Date.parse(stage.expires_at), stagePlan);
    let seen = changes;
    while (stillPending(stage)) {
      // At least 1 ms: a zero timeout would mean "no timeout".
      const timeout = Math.max(1, nextTimerAt(timers) - Date.now());
      if (await condition(() => changes !== seen || !stillPending(stage), timeout)) {
        if (!stillPending(stage)) break;
        seen = changes;
        // A decision breaks the quiet: the next reminder comes a whole quiet time after it.
        if (stagePlan.remindAfterMs !== undefined) timers.remindAtMs = Date.now() + stagePlan.remindAfterMs;
        await updateCards();
        continue;
      }
      switch (dueTimer(timers, Date.now())) {
        case 'expire':
          stage.status = 'timed_out';
          snapshot.status = 'timed_out';
          snapshot.timed_out = { stage: stage.name, after_ms: stagePlan.timeoutMs };
          record('timed_out', 'system', {
            stage: stage.name,
            after_ms: stagePlan.timeoutMs,
            means: plan.onTimeout,
          });
          return;
        case 'escalate':
          timers.escalateAtMs = undefined;
          // A decision may have come in meanwhile: the loop looks again before anything else is due.
          await escalate(stage, stagePlan);
          break;
        case 'remind': {
          // One reminder per quiet stretch: the next only after a decision breaks the quiet.
          timers.remindAtMs = undefined;
          const quietMs = stagePlan.remindAfterMs ?? 0;
          record('reminder', 'system', { stage: stage.name, quiet_ms: quietMs });
          await postNote({ kind: 'reminder', stage, quietMs, counted: countedReviewers(snapshot.stages) });
          break;
        }
        case undefined:
          break;
      }
    }
  };

  // ---- the request, top to bottom --------------------------------------------------------------------------------

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
    let firstApprovers: Eligibility | undefined;
    if (patched(PREPARE_PATCH)) {
      const prepared = await slack.prepareApproval({
        arguments: input.proposal.arguments,
        approvers: plan.stages[0]?.approvers,
        requesterId: input.requester.id,
      });
      snapshot.team_id = prepared.teamId;
      snapshot.labels = prepared.labels;
      firstApprovers = prepared.eligibility;
    } else {
      snapshot.team_id = await slack.installedTeam();
      snapshot.labels = await slack.labelSlackIds(input.proposal.arguments, input.requester.id);
    }
    let restarted = false;
    for (let index = 0; index < plan.stages.length; index += 1) {
      const stagePlan = plan.stages[index] as StagePlan;
      const passed = currentStage();
      if (passed) {
        record('stage_passed', 'policy', {
          stage: passed.name,
          approved_by: passed.approvals.map((a) => a.reviewer ?? 'operator'),
        });
      }
      const stage = await openStage(stagePlan, index === 0 && !restarted ? firstApprovers : undefined);
      if (!passed && !restarted) {
        if (!(await postFirstCard())) break;
      } else if (!passed) {
        // The edited call's first stage: the editor's approval counts only where the rule allows self-approval.
        restarted = false;
        if (editorApproval) {
          const answer = decide(editorApproval, 'update');
          editorApproval = undefined;
          editorAnswer = answer.accepted
            ? answer
            : {
                accepted: true,
                progress:
                  answer.reason === 'own_edit'
                    ? 'changed; someone else has to approve it as changed'
                    : `changed; your approval does not count in its first stage (${answer.explanation})`,
                decided: false,
              };
        }
        await updateCards();
        const change = snapshot.edits?.at(-1);
        if (change) await postNote({ kind: 'edited', edit: change, stage, stageCount: plan.stages.length });
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
      if (restart && snapshot.status === 'pending') {
        // An edit: its approval starts over at the first stage (of a stricter plan, if it went to one).
        restart = false;
        restarted = true;
        index = -1;
        continue;
      }
      if (snapshot.status !== 'pending') break;
    }
    if (snapshot.status === 'pending') snapshot.status = 'approved';
    await giveStandingApproval();
  } catch (error) {
    if (isCancellation(error)) {
      snapshot.status = 'cancelled';
      record('cancelled', 'system', {});
    } else if (error instanceof ActivityFailure) {
      // Slack made it impossible to go on asking (approvers that cannot be resolved, an outage past every retry):
      // end the request visibly, nothing run, rather than leave buttons that lead nowhere.
      snapshot.status = 'cancelled';
      snapshot.failure = `Slack could not be asked: ${error.cause?.message ?? error.message}`;
      record('failed', 'system', { error: snapshot.failure });
    } else {
      throw error;
    }
  }
  const stage = currentStage();
  if (stage?.status === 'pending') stage.status = snapshot.status;
  index();

  // Runs even when this workflow is being cancelled: no card may keep live buttons.
  await CancellationScope.nonCancellable(updateCards);
  // How long the request waited, in workflow time.
  const waitedMs = Date.now() - Date.parse(snapshot.requested_at);
  record('approval_outcome', 'system', { status: snapshot.status, waited_ms: waitedMs });
  metrics.approvalEnded(snapshot.status, waitedMs);
  return outcomeOf(snapshot);
}

function outcomeOf(snapshot: ApprovalStatus): ApprovalOutcome {
  return {
    requestId: snapshot.request_id,
    status: snapshot.status as ApprovalOutcome['status'],
    ...(snapshot.decision ? { decision: snapshot.decision } : {}),
    approvals: snapshot.stages.flatMap((s) => s.approvals),
    ...(snapshot.withdrawn_by ? { withdrawnBy: snapshot.withdrawn_by } : {}),
    ...(snapshot.timed_out
      ? { timedOut: { stage: snapshot.timed_out.stage, afterMs: snapshot.timed_out.after_ms } }
      : {}),
    ...(snapshot.failure ? { failure: snapshot.failure } : {}),
    card: snapshot.card,
    audit: snapshot.audit,
    ...(snapshot.edits?.length ? { proposal: snapshot.proposal, edits: snapshot.edits } : {}),
  };
}
