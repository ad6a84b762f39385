// The approval's stages in order, each collecting approvals from distinct people until its quorum. Durable timers
// drive each stage's reminder, escalation and timeout (src/approval/state.ts says which is due); an accepted edit
// starts the stages over for the edited call.
import { countedReviewers, widenEligibility } from '../../approval/policy.js';
import type { Eligibility, StagePlan, StageSummary } from '../../approval/schemas.js';
import { dueTimer, nextTimerAt, stageTimers } from '../../approval/state.js';
import { approvalSlack as slack } from '../activities.js';
import { untilOrAt } from '../audit.js';
import { BOUNDS_PATCH, PREPARE_PATCH } from '../patches.js';
import type { ApprovalCards } from './cards.js';
import type { ApprovalRequest } from './request.js';

/** What Slack is asked before the first card: the team, the names of the IDs the call holds, the first approvers. */
export async function prepare(request: ApprovalRequest): Promise<Eligibility | undefined> {
  const { snapshot, input } = request;
  if (request.prepared) {
    snapshot.team_id = request.prepared.teamId;
    snapshot.labels = request.prepared.labels;
    return request.prepared.eligibility;
  }
  if (!request.code.has(PREPARE_PATCH)) {
    snapshot.team_id = await slack.installedTeam();
    snapshot.labels = await slack.labelSlackIds(input.proposal.arguments, input.requester.id);
    return undefined;
  }
  const prepared = await slack.prepareApproval({
    arguments: input.proposal.arguments,
    approvers: request.plan.stages[0]?.approvers,
    requesterId: input.requester.id,
  });
  snapshot.team_id = prepared.teamId;
  snapshot.labels = prepared.labels;
  return prepared.eligibility;
}

/**
 * Asks the plan's stages in order until the request ends or all have passed ('done'), or an accepted edit starts them
 * over ('edited'). The first pass opens its first stage with the approvers prepared with the request and posts the
 * first card; a pass after an edit offers the editor's approval and says what changed.
 */
export async function askStages(
  request: ApprovalRequest,
  cards: ApprovalCards,
  pass: { edited: false; firstApprovers: Eligibility | undefined } | { edited: true },
): Promise<'done' | 'edited'> {
  for (let number = 1; number <= request.plan.stages.length; number += 1) {
    const stagePlan = request.plan.stages[number - 1] as StagePlan;
    const passed = request.stage;
    if (passed) {
      request.record('stage_passed', 'policy', {
        stage: passed.name,
        approved_by: passed.approvals.map((a) => a.reviewer ?? 'operator'),
      });
    }
    const first = !pass.edited && !passed;
    const stage = await openStage(request, stagePlan, first ? pass.firstApprovers : undefined, {
      // A prepared approval of its own workflow was started with the attributes of its first stage open.
      searchable: !(first && request.startedSearchable),
    });
    if (passed) {
      await cards.update();
      await cards.postNote({
        kind: 'stage_opened',
        passed,
        stage,
        stageNumber: number,
        stageCount: request.plan.stages.length,
      });
    } else if (!pass.edited) {
      if (!(await cards.postFirst())) return 'done';
    } else {
      request.offerEditorApproval();
      await cards.update();
      const edit = request.snapshot.edits?.at(-1);
      if (edit) await cards.postNote({ kind: 'edited', edit, stage, stageCount: request.plan.stages.length });
    }
    await waitForStage(request, cards, stage, stagePlan);
    if (request.restart && request.pending) {
      request.restart = false;
      return 'edited';
    }
    if (!request.pending) return 'done';
  }
  return 'done';
}

/**
 * Opens a stage; `resolved`: its approvers when already asked for (the first stage's, with the preparation);
 * `searchable`: false where visibility already shows it open.
 */
async function openStage(
  request: ApprovalRequest,
  stagePlan: StagePlan,
  resolved: Eligibility | undefined,
  { searchable }: { searchable: boolean },
): Promise<StageSummary> {
  const { snapshot } = request;
  const eligibility = resolved ?? (await slack.resolveApprovers(stagePlan.approvers));
  // The first stage's clock runs from the request, not from whenever Slack let the card be posted; when an edit
  // restarted it, from the edit (runs from before BOUNDS_PATCH counted that one from the request too).
  const editedAt = snapshot.stages.length === 0 ? snapshot.edits?.at(-1)?.at : undefined;
  const openedAtMs =
    snapshot.stages.length > 0
      ? Date.now()
      : editedAt !== undefined && editedAt !== snapshot.requested_at && request.code.has(BOUNDS_PATCH)
        ? Date.parse(editedAt)
        : Date.parse(snapshot.requested_at);
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
  if (searchable) request.index();
  request.record('stage_opened', 'policy', {
    stage: stage.name,
    number: snapshot.stages.length,
    of: request.plan.stages.length,
    required: stage.required,
    eligibility,
    expires_at: stage.expires_at,
  });
  return stage;
}

/** Waits out one stage: decisions update the cards; quiet time reminds; a long wait escalates; the end expires. */
async function waitForStage(
  request: ApprovalRequest,
  cards: ApprovalCards,
  stage: StageSummary,
  stagePlan: StagePlan,
): Promise<void> {
  const stillPending = () => request.pending && stage.status === 'pending' && !request.restart;
  const timers = stageTimers(Date.parse(stage.opened_at), Date.parse(stage.expires_at), stagePlan);
  let seen = request.changes;
  while (stillPending()) {
    if (await untilOrAt(() => request.changes !== seen || !stillPending(), nextTimerAt(timers))) {
      if (!stillPending()) break;
      seen = request.changes;
      // A decision breaks the quiet: the next reminder comes a whole quiet time after it.
      if (stagePlan.remindAfterMs !== undefined) timers.remindAtMs = Date.now() + stagePlan.remindAfterMs;
      await cards.update();
      continue;
    }
    switch (dueTimer(timers, Date.now())) {
      case 'expire':
        expire(request, stage, stagePlan);
        return;
      case 'escalate':
        timers.escalateAtMs = undefined;
        // A decision may have come in meanwhile: the loop looks again before anything else is due.
        await escalate(request, cards, stage, stagePlan);
        break;
      case 'remind':
        // One reminder per quiet stretch: the next only after a decision breaks the quiet.
        timers.remindAtMs = undefined;
        await remind(request, cards, stage, stagePlan);
        break;
      case undefined:
        break;
    }
  }
}

function expire(request: ApprovalRequest, stage: StageSummary, stagePlan: StagePlan): void {
  stage.status = 'timed_out';
  request.snapshot.status = 'timed_out';
  request.snapshot.timed_out = { stage: stage.name, after_ms: stagePlan.timeoutMs };
  request.record('timed_out', 'system', {
    stage: stage.name,
    after_ms: stagePlan.timeoutMs,
    means: request.plan.onTimeout,
  });
}

/** A long wait widens who may decide and where the card is shown, as the stage's plan says. */
async function escalate(
  request: ApprovalRequest,
  cards: ApprovalCards,
  stage: StageSummary,
  stagePlan: StagePlan,
): Promise<void> {
  stage.escalated = true;
  const target = stagePlan.escalateTo;
  const added = target?.approvers ? await slack.resolveApprovers(target.approvers) : undefined;
  if (added) {
    stage.eligibility = widenEligibility(stage.eligibility, added);
    request.snapshot.eligibility = stage.eligibility;
    request.index();
  }
  const afterMs = stagePlan.escalateAfterMs ?? 0;
  const channel = target?.channel;
  request.record('escalation', 'policy', {
    stage: stage.name,
    after_ms: afterMs,
    ...(added ? { added } : {}),
    ...(channel ? { channel } : {}),
  });
  if (channel) await cards.postCopy(channel);
  await cards.postNote({ kind: 'escalation', stage, afterMs, added, channel });
  await cards.update();
}

/** Quiet time: a note in the thread says who has not decided yet. */
async function remind(
  request: ApprovalRequest,
  cards: ApprovalCards,
  stage: StageSummary,
  stagePlan: StagePlan,
): Promise<void> {
  const quietMs = stagePlan.remindAfterMs ?? 0;
  request.record('reminder', 'system', { stage: stage.name, quiet_ms: quietMs });
  await cards.postNote({
    kind: 'reminder',
    stage,
    quietMs,
    counted: countedReviewers(request.snapshot.stages),
  });
}
