// What an approval says in its card's thread while it waits: the next stage opening, reminders, escalation.
import { type ApprovalNote, type Eligibility, STAGE_NAME_MAX } from '../../approval/schemas.js';
import { formatDuration } from '../../duration.js';
import { quorumProgress, reviewerName, whoMayDecide } from './approval-card.js';
import { FALLBACK_TEXT_MAX, mention, safeText, slackDate, truncate } from './text.js';

/** The approvers who have not yet approved: a reminder pings them, not the people already counted. */
function stillToDecide(eligibility: Eligibility, counted: string[]): string {
  if (eligibility.kind === 'anyone') return whoMayDecide(eligibility);
  return whoMayDecide({ ...eligibility, users: eligibility.users.filter((id) => !counted.includes(id)) });
}

export function approvalNoteText(note: ApprovalNote): string {
  const name = safeText(note.stage.name, STAGE_NAME_MAX);
  switch (note.kind) {
    case 'stage_opened': {
      const passedBy = note.passed.approvals.map(reviewerName).join(', ');
      return truncate(
        `:white_check_mark: Stage *${safeText(note.passed.name, STAGE_NAME_MAX)}* approved by ${passedBy}.\n` +
          `:arrow_right: Stage ${note.stageNumber} of ${note.stageCount}, *${name}*, is open: ${whoMayDecide(note.stage.eligibility)}, ` +
          `please decide on the card above (${note.stage.required} approval${note.stage.required === 1 ? '' : 's'} needed, expires ${slackDate(note.stage.expires_at)}).`,
        FALLBACK_TEXT_MAX,
      );
    }
    case 'reminder':
      return truncate(
        `:bell: Reminder: this request has waited ${formatDuration(note.quietMs)} without a decision (stage *${name}*, ${quorumProgress(note.stage)}). ` +
          `${stillToDecide(note.stage.eligibility, note.counted)}, please decide on the card above; it expires ${slackDate(note.stage.expires_at)}.`,
        FALLBACK_TEXT_MAX,
      );
    case 'edited': {
      const rule = note.edit.rule
        ? ` It now needs what the rule “${safeText(note.edit.rule, 200)}” asks.`
        : note.edit.own_rule
          ? ` It stays under its rule, which asks at least what its own rule “${safeText(note.edit.own_rule, 200)}” does.`
          : '';
      return truncate(
        `:pencil2: ${mention(note.edit.by.id)} changed the call before approving: ${safeText(note.edit.changes, 1000)}.${rule}
` +
          `Approvals given for the old arguments do not count: stage 1 of ${note.stageCount}, *${name}*, is open again for ${whoMayDecide(note.stage.eligibility)} (${quorumProgress(note.stage)}, expires ${slackDate(note.stage.expires_at)}).`,
        FALLBACK_TEXT_MAX,
      );
    }
    case 'escalation': {
      const parts: string[] = [];
      if (note.added) parts.push(`${whoMayDecide(note.added)} may now decide too`);
      if (note.channel) parts.push(`the card was also posted in <#${safeText(note.channel, 20)}>`);
      return truncate(
        `:rotating_light: Escalated: stage *${name}* has waited ${formatDuration(note.afterMs)} without passing; ${parts.join(', and ')}.`,
        FALLBACK_TEXT_MAX,
      );
    }
  }
}
