// What approvers changed in a call, for whoever decides after them: on the card, in the decision form and in App Home,
// so nobody approves an edited call believing it is the model's. Every piece of foreign text is escaped.
import type { KnownBlock } from '@slack/types';
import type { ApprovalStatus, ProposalEdit } from '../../approval/schemas.js';
import { codeBlock, mention, SECTION_TEXT_MAX, safeText, slackDate, truncate } from './text.js';

/** Edits listed, the latest ones. */
const EDITS_SHOWN_MAX = 3;
/** A rule's name as shown: names come from the policy file, chained ones are longer. */
const RULE_NAME_MAX = 200;
/** The model's own arguments in the form: context beside the call in full, so cut where long (and said so). */
const PROPOSED_SHOWN_MAX = SECTION_TEXT_MAX - 200;

/** Where the edited call stands with the rules, when an edit changed that or could have. */
export function editRuleText(edit: ProposalEdit): string {
  if (edit.rule) return ` · now under the rule “${safeText(edit.rule, RULE_NAME_MAX)}”`;
  if (edit.own_rule) {
    return ` · kept under its rule, which asks at least what the edited call’s own rule “${safeText(edit.own_rule, RULE_NAME_MAX)}” does`;
  }
  return '';
}

/** `:pencil2: Edited by @ana <date>: channel: "C0A" → "C0B"` — one line per edit, the latest; `changesMax` each. */
export function editLines(edits: readonly ProposalEdit[], changesMax: number): string {
  return edits
    .slice(-EDITS_SHOWN_MAX)
    .map(
      (e) =>
        `:pencil2: Edited by ${mention(e.by.id)} ${slackDate(e.at)}: ${safeText(e.changes, changesMax)}${editRuleText(e)}`,
    )
    .join('\n');
}

/** For the decision form: who changed the call and how, and the call as the model proposed it. */
export function editedCallBlocks(status: Pick<ApprovalStatus, 'edits'>): KnownBlock[] {
  const edits = status.edits ?? [];
  const first = edits[0];
  if (!first) return [];
  const section = (text: string): KnownBlock => ({
    type: 'section',
    text: { type: 'mrkdwn', text: truncate(text, SECTION_TEXT_MAX) },
  });
  const proposed = JSON.stringify(first.before, null, 2);
  const cut = Array.from(proposed).length > PROPOSED_SHOWN_MAX;
  return [
    section(
      `*Changed by an approver* — this is not the call the model proposed; approvals given before the change do not count.\n${editLines(edits, 600)}`,
    ),
    section(
      `*As the model proposed it*${cut ? ' (cut short)' : ''}:\n${codeBlock(proposed, PROPOSED_SHOWN_MAX)}`,
    ),
  ];
}
