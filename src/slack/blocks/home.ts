// App Home as the approver's inbox, and `/agent pending`: what waits on this person, with the cards' own buttons
// (they open the same decision form), and their own requests with Withdraw. Every foreign text is escaped.
import type { KnownBlock, View } from '@slack/types';
import type { ApprovalStatus, ApprovalStatusName, StandingGrant } from '../../approval/schemas.js';
import type { Inbox, OwnRequest } from '../inbox.js';
import { MEMBERSHIP_TEXT } from '../membership.js';
import { TEMPORAL_UNREACHABLE_TEXT } from '../temporal-deadline.js';
import { agentTokenBlocks } from './agent-tokens.js';
import { APPROVE_ACTION_ID, buttonValue, currentStageLabel, REJECT_ACTION_ID } from './approval-card.js';
import { editLines } from './edits.js';
import { WITHDRAW_ACTION_ID } from './run-status.js';
import {
  CONTEXT_TEXT_MAX,
  confirmedButton,
  mention,
  quote,
  SECTION_TEXT_MAX,
  safeText,
  slackDate,
  truncate,
} from './text.js';

/** Block ids of the inbox's buttons carry this prefix; a click on them comes from an inbox, not a card. */
export const INBOX_BLOCK_PREFIX = 'inbox_';
/** A Home view takes at most 100 blocks; an ephemeral message 50. */
const HOME_BLOCKS_MAX = 100;
const MESSAGE_BLOCKS_MAX = 50;
/** The request as shown in a list: enough to recognise it; the form shows all of it. */
const REQUEST_PREVIEW_MAX = 300;

const OUTCOME: Record<ApprovalStatusName, string> = {
  pending: ':hourglass_flowing_sand: waiting',
  approved: ':white_check_mark: approved',
  rejected: ':x: rejected',
  timed_out: ':hourglass: expired',
  cancelled: ':no_entry_sign: cancelled',
};

const section = (text: string): KnownBlock => ({
  type: 'section',
  text: { type: 'mrkdwn', text: truncate(text, SECTION_TEXT_MAX) },
});
const context = (text: string): KnownBlock => ({
  type: 'context',
  elements: [{ type: 'mrkdwn', text: truncate(text, CONTEXT_TEXT_MAX) }],
});
const header = (text: string): KnownBlock => ({ type: 'header', text: { type: 'plain_text', text } });

function waitingBlocks(status: ApprovalStatus): KnownBlock[] {
  const ref = { workflowId: status.workflow_id, requestId: status.request_id };
  return [
    section(
      `*${safeText(status.proposal.tool, 100)}* · ${status.proposal.risk} risk — asked by ${mention(status.requester.id)} ${slackDate(status.requested_at)}\n${quote(status.request, REQUEST_PREVIEW_MAX)}`,
    ),
    context(`${currentStageLabel(status.stage_names, status.stages)}expires ${slackDate(status.expires_at)}`),
    // An edited call is not the one its requester asked for: say so before anyone approves it from here.
    ...(status.edits?.length ? [context(editLines(status.edits, 300))] : []),
    {
      type: 'actions',
      block_id: `${INBOX_BLOCK_PREFIX}${status.request_id}`.slice(0, 255),
      elements: [
        {
          type: 'button',
          action_id: APPROVE_ACTION_ID,
          text: { type: 'plain_text', text: 'Approve' },
          style: 'primary',
          value: buttonValue(ref),
        },
        {
          type: 'button',
          action_id: REJECT_ACTION_ID,
          text: { type: 'plain_text', text: 'Reject' },
          style: 'danger',
          value: buttonValue(ref),
        },
      ],
    },
  ];
}

function ownBlocks(own: OwnRequest): KnownBlock[] {
  const line = `${OUTCOME[own.status]} · *${safeText(own.tool, 100)}* · asked ${slackDate(own.requestedAt)}`;
  if (own.status !== 'pending') return [context(line)];
  return [
    section(`${line}${own.request ? `\n${quote(own.request, REQUEST_PREVIEW_MAX)}` : ''}`),
    {
      type: 'actions',
      block_id: `${INBOX_BLOCK_PREFIX}own_${own.workflowId}`.slice(0, 255),
      elements: [
        confirmedButton({
          actionId: WITHDRAW_ACTION_ID,
          text: 'Withdraw',
          value: own.runId,
          question: 'Withdraw this request?',
          consequence: 'Nothing will run, and its card will say so.',
        }),
      ],
    },
  ];
}

export const STANDING_REVOKE_ACTION_ID = 'standing_revoke';
/** Standing approvals listed: each is two blocks. */
const GRANTS_SHOWN_MAX = 5;

function grantBlocks(grant: StandingGrant): KnownBlock[] {
  const fixed = Object.keys(grant.fixed);
  const what =
    fixed.length === 0
      ? 'with any arguments'
      : `with the same ${fixed.map((k) => safeText(k, 60)).join(', ')}${grant.vary.length > 0 ? ` (any ${grant.vary.map((k) => safeText(k, 60)).join(', ')})` : ''}`;
  // Where it holds: under the rule it was given under, up to the risk approved, while its grantor may approve there.
  const where =
    grant.rule && grant.risk
      ? `under the rule “${safeText(grant.rule, 100)}” for calls up to ${grant.risk} risk, while they may approve under it; until ${slackDate(grant.expires_at)} at the latest`
      : 'given before standing approvals recorded their rule, so it lets nothing through';
  return [
    section(
      `*${safeText(grant.tool, 100)}* for ${mention(grant.requester.id)} ${what}, without asking — given by ${mention(grant.grantor.id)} ${where} · used ${grant.uses} time${grant.uses === 1 ? '' : 's'}`,
    ),
    {
      type: 'actions',
      block_id: `${INBOX_BLOCK_PREFIX}grant_${grant.grant_id}`.slice(0, 255),
      elements: [
        confirmedButton({
          actionId: STANDING_REVOKE_ACTION_ID,
          text: 'Revoke',
          value: grant.grant_id,
          question: 'Revoke this standing approval?',
          consequence: 'The next such call will wait for an approver again.',
        }),
      ],
    },
  ];
}

/** "Waiting on you": the list, or why it is empty. */
function waitingSection(inbox: Inbox, room: number): KnownBlock[] {
  if (inbox.cannotDecide) return [context(MEMBERSHIP_TEXT[inbox.cannotDecide])];
  if (inbox.waiting.length === 0) return [context('Nothing waits on you.')];
  const blocks: KnownBlock[] = [];
  let shown = 0;
  for (const status of inbox.waiting) {
    const next = waitingBlocks(status);
    if (blocks.length + next.length > room - 1) break;
    blocks.push(...next);
    shown += 1;
  }
  const hidden = inbox.waiting.length - shown;
  if (hidden > 0 || inbox.more) {
    blocks.push(
      context(`…and ${inbox.more ? 'more' : String(hidden)} waiting: those expiring first are shown.`),
    );
  }
  return blocks;
}

export function homeView(inbox: Inbox, nowIso: string): View {
  const blocks: KnownBlock[] = [header('Waiting on you')];
  if (inbox.unreachable) blocks.push(context(TEMPORAL_UNREACHABLE_TEXT));
  const mine = inbox.mine.flatMap(ownBlocks);
  const grants: KnownBlock[] =
    inbox.grants.length > 0
      ? [
          { type: 'divider' },
          header('Standing approvals'),
          ...inbox.grants.slice(0, GRANTS_SHOWN_MAX).flatMap(grantBlocks),
        ]
      : [];
  // Room for the other sections, their headers and the footer.
  const room = HOME_BLOCKS_MAX - blocks.length - Math.min(mine.length, 30) - grants.length - 4;
  blocks.push(...waitingSection(inbox, room), ...grants);
  blocks.push({ type: 'divider' }, header('Your requests'));
  // Room for the footer, and the connected agents' header and connect button at the least.
  const mineRoom = HOME_BLOCKS_MAX - blocks.length - 4;
  blocks.push(
    ...(mine.length === 0
      ? [context('You have asked for nothing that needed approval.')]
      : mine.slice(0, mineRoom)),
  );
  // The connect button always shows: room is kept for it and its header.
  const agents = agentTokenBlocks(inbox.agents);
  const agentsRoom = HOME_BLOCKS_MAX - blocks.length - 3;
  blocks.push({ type: 'divider' }, header('Connected agents'), ...agents.slice(-agentsRoom));
  blocks.push(
    context(`Updated ${slackDate(nowIso)} · it refreshes when you open it and after each of your decisions.`),
  );
  return { type: 'home', blocks };
}

/** `/agent pending`: the same "waiting on you" list, as an ephemeral message. */
export function pendingMessage(inbox: Inbox): { text: string; blocks: KnownBlock[] } {
  const count = inbox.waiting.length;
  const text = inbox.cannotDecide
    ? MEMBERSHIP_TEXT[inbox.cannotDecide]
    : count === 0
      ? 'Nothing waits on you.'
      : `${count}${inbox.more ? '+' : ''} approval${count === 1 ? '' : 's'} wait on you.`;
  const blocks: KnownBlock[] = [section(`*Waiting on you* — ${text}`)];
  if (inbox.unreachable) blocks.push(context(TEMPORAL_UNREACHABLE_TEXT));
  if (!inbox.cannotDecide && count > 0)
    blocks.push(...waitingSection(inbox, MESSAGE_BLOCKS_MAX - blocks.length));
  return { text, blocks };
}
