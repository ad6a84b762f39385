// What each approval workflow tells Temporal's visibility store about itself, so that "what waits on me" and "my
// requests" are one list call, across restarts and Slack app processes. Registered by the embedded dev server at
// start; on a real cluster, `ensureSearchAttributes` (src/temporal/search-attributes.ts) checks them at start-up.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { ApprovalStatus, Eligibility } from '../approval/schemas.js';

/** An approval's: pending | approved | rejected | timed_out | cancelled; a standing approval's: active | revoked | expired. */
export const APPROVAL_STATUS_KEY = defineSearchAttributeKey(
  'CountersignApprovalStatus',
  SearchAttributeType.KEYWORD,
);
/** Who may decide now: Slack user IDs; `*` when any full member may. Empty once the request has ended. */
export const DECIDERS_KEY = defineSearchAttributeKey('CountersignDeciders', SearchAttributeType.KEYWORD_LIST);
/** The requester's Slack user ID. */
export const REQUESTER_KEY = defineSearchAttributeKey('CountersignRequester', SearchAttributeType.KEYWORD);
/** The tool the request would run. */
export const TOOL_KEY = defineSearchAttributeKey('CountersignTool', SearchAttributeType.KEYWORD);

export const INBOX_SEARCH_ATTRIBUTES = [APPROVAL_STATUS_KEY, DECIDERS_KEY, REQUESTER_KEY, TOOL_KEY];

/** Stands for "any full member of the workspace" in DECIDERS_KEY. */
export const ANY_MEMBER = '*';

/** The search attributes of an approval as it stands. */
export function inboxAttributes(snapshot: ApprovalStatus) {
  return attributesOf(snapshot.status, decidersOf(snapshot), snapshot.requester.id, snapshot.proposal.tool);
}

/**
 * The search attributes of a run whose approvals live in it (the current code), as they stand: pending while any is,
 * decidable by whoever may decide any open one, with the tool of the first pending; once none is, the latest one's.
 */
export function runInboxAttributes(snapshots: readonly ApprovalStatus[]) {
  const pending = snapshots.filter((s) => s.status === 'pending');
  const [first] = pending;
  if (!first) {
    const latest = snapshots.at(-1);
    if (!latest) throw new Error('a run is searchable by its approvals only once it has one');
    return inboxAttributes(latest);
  }
  const deciders = [...new Set(pending.flatMap(decidersOf))];
  return attributesOf('pending', deciders, first.requester.id, first.proposal.tool);
}

/**
 * An approval's search attributes as its first stage opens, given with its start when its first approvers were
 * resolved before it (src/activities/prepare-calls.ts): the same values the approval would write itself.
 */
export function openingAttributes(requesterId: string, tool: string, eligibility: Eligibility) {
  return attributesOf('pending', decidersIn(eligibility), requesterId, tool);
}

/** Who may decide an approval now, as DECIDERS_KEY lists them: nobody unless a stage of a pending request is open. */
function decidersOf(snapshot: ApprovalStatus): string[] {
  const stage = snapshot.stages.at(-1);
  return snapshot.status === 'pending' && stage?.status === 'pending' ? decidersIn(stage.eligibility) : [];
}

function decidersIn(open: Eligibility): string[] {
  return open.kind === 'anyone' ? [ANY_MEMBER] : open.users;
}

function attributesOf(
  status: ApprovalStatus['status'],
  deciders: string[],
  requesterId: string,
  tool: string,
) {
  return [
    { key: APPROVAL_STATUS_KEY, value: status },
    { key: DECIDERS_KEY, value: deciders },
    { key: REQUESTER_KEY, value: requesterId },
    { key: TOOL_KEY, value: tool },
  ];
}
