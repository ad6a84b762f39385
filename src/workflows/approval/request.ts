// One approval's state and the rules it is decided by: the snapshot the query shows, the plan it follows, and the
// decisions, edits and withdrawals that change it, each checked by the pure rules of src/approval/state.ts and
// audited. The handlers of the workflow it lives in call these (its own, ../approval.ts, or its run's,
// ../agent/approvals.ts); its stages (./stages.ts) wait on what they change.
import { ApplicationFailure, condition, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { INVALID_APPROVAL_PLAN } from '../../activities/failure-types.js';
import { describeChanges } from '../../approval/changes.js';
import { planAfterEdit } from '../../approval/demands.js';
import {
  checkDecision,
  type DecisionRefusal,
  planFor,
  REFUSAL_TEXT,
  RISK_RANK,
} from '../../approval/policy.js';
import type {
  ApprovalInput,
  ApprovalOutcome,
  ApprovalPlan,
  ApprovalPreparation,
  ApprovalStatus,
  ProposalEdit,
  StageSummary,
} from '../../approval/schemas.js';
import { type ApprovalDecision, parseApprovalDecision, parseWithdrawal } from '../../approval/signals.js';
import { standingMaxFor } from '../../approval/standing.js';
import {
  applyDecision,
  applyEdit,
  applyWithdrawal,
  type DecisionAnswer,
  type DecisionRules,
  decisionRules,
  NOBODY,
  submissionRefusal,
} from '../../approval/state.js';
import { editChecks } from '../activities.js';
import { type Recorder, recorder } from '../audit.js';
import {
  BOUNDS_PATCH,
  CARDS_BY_DECISION_PATCH,
  CodeVersion,
  FEWER_ACTIONS_PATCH,
  INBOX_PATCH,
} from '../patches.js';
import { inboxAttributes } from '../search-attributes.js';

/**
 * An approval that lives in its run's workflow (the current code), not in a workflow of its own: its id in the run, and
 * how the run writes its search attributes, which stand for all of the run's approvals.
 */
export interface InRun {
  /** `<run id>/approval-<n>`, as its own workflow's id was: it names its standing approval. */
  id: string;
  index(): void;
}

/** Why a signal that changes the arguments is refused: the change is checked against the tool, which a signal cannot wait for. */
const EDIT_ONLY_BY_UPDATE =
  'changed arguments are taken only through Update submit_decision, which checks them first';

export class ApprovalRequest {
  readonly snapshot: ApprovalStatus;
  /** An edited call continues under whichever plan demands more: see decideEdit. */
  plan: ApprovalPlan;
  /** Bumped by every accepted decision, so the stage waiting knows the cards need updating. */
  changes = 0;
  /** Set by an accepted edit: the stages start over for the edited call. */
  restart = false;
  /**
   * The editor's own approval of the edited call, offered once its first stage has reopened (it counts only where the
   * rule allows self-approval: the editor wrote the call); then its answer.
   */
  private editorApproval: ApprovalDecision | undefined;
  private editorAnswer: DecisionAnswer | undefined;
  /** Visibility: who may decide now, and how the request stands, for the App Home inbox to list. */
  private readonly searchable: boolean;
  /**
   * What Slack was asked for this approval with the model's answer (on the current code): it opens its first stage
   * at once, with the search attributes it was started with.
   */
  readonly prepared: ApprovalPreparation | undefined;
  /** The code the approval started on, asked first (../patches.ts). */
  readonly code: CodeVersion;
  /**
   * Set by the decision that ended the request through the Update, on the current code: its answer carries the
   * request as it ended, and the decider (the Slack app) updates the cards, not an activity of the workflow's.
   */
  cardsToDecider = false;
  /** The request has ended as it will be shown: the decider's answer may go. */
  ended = false;
  /** Its own id: its workflow's, or its id in its run. */
  readonly id: string;
  /** Started with the search attributes of its first stage open: a prepared approval in a workflow of its own. */
  readonly startedSearchable: boolean;

  /** `inRun`: where it lives in its run's workflow; absent, it has a workflow of its own. */
  constructor(
    readonly input: ApprovalInput,
    private readonly inRun?: InRun,
  ) {
    this.code = CodeVersion.given(input.code);
    const plan = input.plan;
    if (plan.stages.length === 0) {
      // Approving with no stage to pass would let the call run unapproved: refuse instead.
      throw ApplicationFailure.nonRetryable(
        `the approval rule "${plan.rule}" has no stages`,
        INVALID_APPROVAL_PLAN,
      );
    }
    this.plan = plan;
    const requestedAt = new Date().toISOString();
    this.snapshot = {
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
    this.record = recorder(this.snapshot.audit, { runId: input.runId, requestId: input.requestId });
    this.searchable = this.code.has(INBOX_PATCH);
    this.prepared = this.code.since(FEWER_ACTIONS_PATCH) ? input.prepared : undefined;
    this.id = inRun?.id ?? workflowInfo().workflowId;
    this.startedSearchable = !inRun && this.prepared !== undefined;
    // In its run, its first stage's opening makes it searchable, in the same workflow task.
    if (!this.prepared && !inRun) this.index();
  }

  /** Lives in its run's workflow: its run waits for the decider's answer before it ends, and updates no card for it. */
  get livesInRun(): boolean {
    return this.inRun !== undefined;
  }

  get stage(): StageSummary | undefined {
    return this.snapshot.stages.at(-1);
  }

  get pending(): boolean {
    return this.snapshot.status === 'pending';
  }

  /** Writes the search attributes of the workflow it lives in, as it stands now. */
  index(): void {
    if (this.inRun) this.inRun.index();
    else if (this.searchable) upsertSearchAttributes(inboxAttributes(this.snapshot));
  }

  /** Adds an event to the request's audit trail. */
  readonly record: Recorder;

  /** The request as asked: what, by whom, under which rule. */
  recordRequested(): void {
    const { input, plan } = this;
    this.record('approval_requested', 'policy', {
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
  }

  /** The Update's validator: a decision the rules refuse as it arrives is refused without writing to the history. */
  validate(payload: unknown): void {
    const parsed = parseApprovalDecision(payload);
    const refusal = parsed.success
      ? submissionRefusal(this.snapshot, parsed.data, Date.now())
      : { reason: 'malformed' as const, explanation: REFUSAL_TEXT.malformed };
    if (refusal) {
      throw ApplicationFailure.create({
        type: refusal.reason,
        message: refusal.explanation,
        nonRetryable: true,
      });
    }
  }

  /** The Update's handler: a decision, or an edit to check first. */
  submit(payload: ApprovalDecision): DecisionAnswer | Promise<DecisionAnswer> {
    if (payload.edited_arguments !== undefined && parseApprovalDecision(payload).success)
      return this.decideEdit(payload, payload.edited_arguments);
    const answer = this.decide(payload, 'update');
    if (!answer.accepted || !answer.decided || !this.code.since(CARDS_BY_DECISION_PATCH)) return answer;
    // This decision ended the request: its answer waits for the request's end, and shows it, for the decider's cards.
    this.cardsToDecider = true;
    return this.answerWhenEnded(answer);
  }

  private async answerWhenEnded(
    answer: Extract<DecisionAnswer, { accepted: true }>,
  ): Promise<DecisionAnswer> {
    await condition(() => this.ended);
    // The cards show no audit; it stays with the query.
    return { ...answer, ended: { ...this.snapshot, audit: [] } };
  }

  /**
   * The rules a decision is checked by now. Whoever changed the call may not decide on it; runs from before
   * BOUNDS_PATCH let them, and keep that answer where it is the only difference.
   */
  private rulesFor(decision: ApprovalDecision): DecisionRules {
    const rules = decisionRules(this.snapshot, Date.now());
    const check = checkDecision(decision, rules);
    if (check.ok || check.reason !== 'own_edit') return rules;
    const before = { ...rules, editors: [] };
    return checkDecision(decision, before).ok && !this.code.has(BOUNDS_PATCH) ? before : rules;
  }

  /** Every decision, from the Update or the signal, goes through here: validated, applied by the rules, audited. */
  decide(raw: unknown, via: 'update' | 'signal'): DecisionAnswer {
    const { snapshot } = this;
    const parsed = parseApprovalDecision(raw);
    if (!parsed.success) {
      this.record('decision_ignored', 'system', {
        reason: 'malformed',
        explanation: REFUSAL_TEXT.malformed,
        issues: parsed.issues,
        via,
      });
      return { accepted: false, reason: 'malformed', explanation: REFUSAL_TEXT.malformed };
    }
    const decision = parsed.data;
    const actor = decision.reviewer ?? 'operator';
    const stageName = this.stage?.name;
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
          : applyDecision(snapshot, decision, Date.now(), this.rulesFor(decision));
    const bound = {
      ...(decision.proposal_digest ? { signalled_digest: decision.proposal_digest } : {}),
      ...(decision.team_id ? { team: decision.team_id } : {}),
      via,
    };
    if (!answer.accepted) {
      this.record('decision_ignored', actor, {
        reason: answer.reason,
        explanation: answer.explanation,
        approved: decision.approved,
        signalled_request_id: decision.request_id,
        ...bound,
      });
      return answer;
    }
    this.changes += 1;
    // Given once the request is approved, and only if this approval decided it (see standingMaxFor).
    if (decision.standing && decision.reviewer) {
      const keys = Object.keys(snapshot.proposal.arguments);
      snapshot.standing = {
        by: decision.reviewer,
        for_ms: decision.standing.for_ms,
        vary: decision.standing.vary.filter((key) => keys.includes(key)),
      };
    }
    this.record('decision', actor, {
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
  }

  /**
   * Edit before approve: the edited call is checked like a model's proposal (schema, refusals, risk), continues under
   * whichever of its rule and its own rule demands more (both, in turn, when neither does: see planAfterEdit), and its
   * approval starts over. Answered once the edited call's first stage has taken the editor's approval (offerEditorApproval).
   */
  private async decideEdit(
    decision: ApprovalDecision,
    edited: Record<string, unknown>,
  ): Promise<DecisionAnswer> {
    const { snapshot, input, plan } = this;
    const actor = decision.reviewer ?? 'operator';
    const refuse = (reason: DecisionRefusal, explanation = REFUSAL_TEXT[reason]): DecisionAnswer => {
      this.record('decision_ignored', actor, { reason, explanation, edited: true, via: 'update' });
      return { accepted: false, reason, explanation };
    };
    if (!snapshot.allow_edit) return refuse('edit_not_allowed');
    const rulesNow = () => checkDecision(decision, this.rulesFor(decision));
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
    if (proposal.digest === snapshot.proposal.digest) return this.decide(approval, 'update');
    // The rule the policy has for the call as edited (edits are offered only where the run carries its policy).
    const own = input.policy ? planFor(proposal, input.policy) : plan;
    const bounded = planAfterEdit(plan, own);
    // Before BOUNDS_PATCH a riskier call went to its own rule, whatever that demanded: runs from then keep that.
    const byRisk =
      RISK_RANK[proposal.risk] > RISK_RANK[snapshot.proposal.risk] && own.stages.length > 0 ? own : plan;
    const chosen = bounded.rule === byRisk.rule || this.code.has(BOUNDS_PATCH) ? bounded : byRisk;
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
    this.record('edited', actor, {
      before: { arguments: change.before, digest: snapshot.proposal.digest, risk: snapshot.proposal.risk },
      after: { arguments: change.after, digest: proposal.digest, risk: proposal.risk },
      changes: change.changes,
      ...(own.rule !== plan.rule ? { rule: { from: plan.rule, to: chosen.rule, own: own.rule } } : {}),
      notes: decision.reviewer_notes?.trim() || null,
    });
    applyEdit(snapshot, change, proposal, newPlan);
    if (newPlan) this.plan = newPlan;
    snapshot.standing_max_ms = standingMaxFor(this.plan, proposal.risk);
    this.editorAnswer = undefined;
    this.editorApproval = { ...approval, proposal_digest: proposal.digest, stage: 1 };
    this.restart = true;
    this.changes += 1;
    await condition(() => this.editorAnswer !== undefined || snapshot.status !== 'pending');
    return this.editorAnswer ?? refuse('already_decided');
  }

  /** The edited call's first stage is open: the editor's approval counts only where the rule allows self-approval. */
  offerEditorApproval(): void {
    const approval = this.editorApproval;
    if (!approval) return;
    const answer = this.decide(approval, 'update');
    this.editorApproval = undefined;
    this.editorAnswer = answer.accepted
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

  /** The requester (or an operator) withdraws the request: a signal, so it never throws. */
  withdraw(raw: unknown): void {
    const parsed = parseWithdrawal(raw);
    if (!parsed.success) {
      this.record('decision_ignored', 'system', {
        reason: 'malformed',
        explanation: REFUSAL_TEXT.malformed,
        withdrawal: true,
      });
      return;
    }
    const actor = parsed.data.by ?? 'operator';
    const withdrawn = applyWithdrawal(this.snapshot, parsed.data);
    if (!withdrawn.ok) {
      this.record('decision_ignored', actor, {
        reason: withdrawn.reason,
        explanation: REFUSAL_TEXT[withdrawn.reason],
        withdrawal: true,
      });
      return;
    }
    this.record('cancelled', actor, { withdrawn: true });
  }

  /** The workflow was cancelled: the request ends, nothing run. */
  cancel(): void {
    this.snapshot.status = 'cancelled';
    this.record('cancelled', 'system', {});
  }

  /** Slack made it impossible to go on asking: the request ends visibly, nothing run. */
  fail(failure: string): void {
    this.snapshot.status = 'cancelled';
    this.snapshot.failure = failure;
    this.record('failed', 'system', { error: failure });
  }

  /** How the request ended, as the run that asked reads it. */
  outcome(): ApprovalOutcome {
    const { snapshot } = this;
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
}
