// The approval card: what an approver sees, and what it becomes once decided, expired or cancelled.
import type { KnownBlock } from '@slack/types';
import {
  type ApprovalDecisionRecord,
  type ApprovalRef,
  type ApprovalStatus,
  type ApprovalStatusName,
  type Eligibility,
  STAGE_NAME_MAX,
  type StageSummary,
} from '../../approval/schemas.js';
import { editorsOf } from '../../approval/state.js';
import { formatDuration } from '../../duration.js';
import { editLines } from './edits.js';
import { proposalSummaryBlocks } from './proposal.js';
import {
  BUTTON_VALUE_MAX,
  CONTEXT_TEXT_MAX,
  FALLBACK_TEXT_MAX,
  mention,
  quote,
  SECTION_TEXT_MAX,
  safeText,
  slackDate,
  truncate,
} from './text.js';

export const APPROVE_ACTION_ID = 'approval_approve';
export const REJECT_ACTION_ID = 'approval_reject';

function section(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, SECTION_TEXT_MAX) } };
}

function context(text: string): KnownBlock {
  return { type: 'context', elements: [{ type: 'mrkdwn', text: truncate(text, CONTEXT_TEXT_MAX) }] };
}

/** Approvers named on a card before "and N more". */
const APPROVERS_LISTED_MAX = 10;

export function whoMayDecide(eligibility: Eligibility): string {
  if (eligibility.kind === 'anyone') return 'any full member of this workspace but the requester';
  const names = [
    ...eligibility.userGroups.map((g) => `<!subteam^${safeText(g, 20)}>`),
    ...eligibility.users.map(mention),
  ];
  if (names.length === 0) return 'nobody (no approver could be resolved)';
  const more = names.length - APPROVERS_LISTED_MAX;
  return names.slice(0, APPROVERS_LISTED_MAX).join(', ') + (more > 0 ? ` and ${more} more` : '');
}

const STAGE_ICON: Record<ApprovalStatusName, string> = {
  pending: ':hourglass_flowing_sand:',
  approved: ':white_check_mark:',
  rejected: ':x:',
  timed_out: ':hourglass:',
  cancelled: ':no_entry_sign:',
};

/** Who made a decision, as a mention; an operator decided through Temporal itself. */
export function reviewerName(decision: Pick<ApprovalDecisionRecord, 'reviewer'>): string {
  return decision.reviewer ? mention(decision.reviewer.id) : 'an operator';
}

/** "1 of 2 approvals: @ana" — where a stage's quorum stands. */
export function quorumProgress(stage: Pick<StageSummary, 'approvals' | 'required'>): string {
  const who = stage.approvals.map(reviewerName);
  return `${stage.approvals.length} of ${stage.required} approval${stage.required === 1 ? '' : 's'}${who.length > 0 ? `: ${who.join(', ')}` : ''}`;
}

/**
 * "Stage 2 of 3 (Security) · *1 of 2 approvals: @ana* · " — where the current stage stands, for the card and the
 * modal; empty for a single stage needing a single approval, which is what the card showed before chains.
 */
export function currentStageLabel(stageNames: readonly string[], stages: readonly StageSummary[]): string {
  const current = stages.at(-1);
  if (!current) return '';
  const stage =
    stageNames.length > 1
      ? `Stage ${stages.length} of ${stageNames.length} (${safeText(current.name, STAGE_NAME_MAX)}) · `
      : '';
  const progress = current.required > 1 ? `*${quorumProgress(current)}* · ` : '';
  return stage + progress;
}

/** One line per stage of a chain: passed, current (with its quorum) or still to come. */
function chainLines(names: string[], stages: StageSummary[]): string {
  return names
    .map((name, i) => {
      const stage = stages[i];
      const label = `${i + 1}. *${safeText(name, STAGE_NAME_MAX)}*`;
      if (!stage) return `:white_circle: ${label} — after the stage before`;
      const detail =
        stage.status === 'pending'
          ? `${quorumProgress(stage)} · May decide: ${whoMayDecide(stage.eligibility)}`
          : stage.status === 'approved'
            ? `approved by ${stage.approvals.map(reviewerName).join(', ')}`
            : stage.status.replace('_', ' ');
      return `${STAGE_ICON[stage.status]} ${label} — ${detail}`;
    })
    .join('\n');
}

/**
 * A warning when the current stage cannot reach its quorum: fewer people may still approve than approvals are
 * missing (user groups are resolved when the stage opens). It then waits for escalation or its timeout.
 */
function unreachableQuorum(view: ApprovalStatus, stage: StageSummary): string | undefined {
  if (stage.eligibility.kind === 'anyone') return undefined;
  const counted = new Set(view.stages.flatMap((s) => s.approvals.map((a) => a.reviewer?.id)));
  const authors = [view.requester.id, ...editorsOf(view)];
  const possible = stage.eligibility.users.filter(
    (id) => !counted.has(id) && (view.allow_self_approval || !authors.includes(id)),
  ).length;
  const missing = stage.required - stage.approvals.length;
  if (possible >= missing) return undefined;
  return `:warning: ${missing} more approval${missing === 1 ? '' : 's'} needed, but only ${possible} more ${possible === 1 ? 'person' : 'people'} may give one: this stage can only pass if it is escalated or an operator decides.`;
}

export function buttonValue(value: ApprovalRef): string {
  return truncate(JSON.stringify(value), BUTTON_VALUE_MAX);
}

function outcomeLine(view: ApprovalStatus): string {
  const d = view.decision;
  const approvals = view.stages.flatMap((stage) => stage.approvals);
  const by =
    view.status === 'approved' && approvals.length > 1
      ? approvals.map(reviewerName).join(', ')
      : d?.reviewer
        ? mention(d.reviewer.id)
        : 'an operator (through Temporal)';
  const notes = d?.notes ? `\n${quote(d.notes, 1500)}` : '';
  switch (view.status) {
    case 'approved':
      return `:white_check_mark: *Approved* by ${by} ${d ? slackDate(d.decidedAt) : ''}${notes}`;
    case 'rejected':
      return `:x: *Rejected* by ${by} ${d ? slackDate(d.decidedAt) : ''} — nothing was run.${notes}`;
    case 'timed_out':
      return `:hourglass: *Expired* — nobody decided within ${formatDuration(view.timed_out?.after_ms ?? 0)}; nothing was run.`;
    case 'cancelled':
      if (view.failure) return `:no_entry_sign: *Ended* — ${safeText(view.failure, 1000)}; nothing was run.`;
      return ':no_entry_sign: *Cancelled* — the request was withdrawn or its run stopped; nothing was run.';
    case 'pending':
      return '';
  }
}

/** Fallback text for notifications and screen readers; no foreign text, so no mention can be smuggled in. */
export function approvalCardText(view: ApprovalStatus): string {
  const state = view.status === 'pending' ? 'Approval needed' : `Approval ${view.status.replace('_', ' ')}`;
  return truncate(
    `${state}: ${view.proposal.tool} (${view.proposal.risk} risk), requested by ${mention(view.requester.id)}`,
    FALLBACK_TEXT_MAX,
  );
}

export function approvalCard(view: ApprovalStatus): KnownBlock[] {
  const blocks = proposalSummaryBlocks(view);
  const names = view.stage_names;
  const stages = view.stages;
  const current = stages.at(-1);
  // What approvers changed: the summary above shows the call as it now stands.
  if (view.edits?.length) blocks.push(context(editLines(view.edits, 600)));
  if (names.length > 1) blocks.push(section(`*Approval chain:*\n${chainLines(names, stages)}`));
  if (view.status === 'pending') {
    const warning = current && unreachableQuorum(view, current);
    if (warning) blocks.push(section(warning));
    blocks.push(
      context(
        `${currentStageLabel(names, stages)}Expires ${slackDate(view.expires_at)} · May decide: ${whoMayDecide(view.eligibility)} · Request \`${safeText(view.request_id, 200)}\``,
      ),
      {
        type: 'actions',
        block_id: 'approval_decision',
        elements: [
          {
            type: 'button',
            action_id: APPROVE_ACTION_ID,
            style: 'primary',
            text: { type: 'plain_text', text: 'Approve' },
            value: buttonValue({ workflowId: view.workflow_id, requestId: view.request_id }),
          },
          {
            type: 'button',
            action_id: REJECT_ACTION_ID,
            style: 'danger',
            text: { type: 'plain_text', text: 'Reject' },
            value: buttonValue({ workflowId: view.workflow_id, requestId: view.request_id }),
          },
        ],
      },
    );
  } else {
    blocks.push(
      section(outcomeLine(view)),
      context(`Request \`${safeText(view.request_id, 200)}\` · Run \`${safeText(view.run_id, 200)}\``),
    );
  }
  return blocks;
}
