// Who may ask the agent, and how far reads on their behalf go. A run acts with the bot's access, so asking is a power
// like deciding: only full members of the installing workspace may ask (the same membership a reviewer needs, from the
// same users.info), and REQUESTERS, when set, narrows that to the people and user groups it lists. A refusal starts
// nothing. What a run reads or names for its requester stays within what they could read in Slack themselves.
import type { WebClient } from '@slack/web-api';
import { resolveEligibility } from '../approval/policy.js';
import type { ApproverIds } from '../approval/schemas.js';
import { createMembershipCheck, type Membership, type MembershipCheck } from './membership.js';

export type RequesterVerdict =
  | { ok: true }
  | { ok: false; reason: Exclude<Membership, { ok: true }>['reason'] | 'not_listed' };

export type RequesterRefusal = Exclude<RequesterVerdict, { ok: true }>['reason'];

/** The one line a refused requester reads; the same reasons go to the Slack app's log. */
export const REQUESTER_REFUSAL_TEXT: Record<RequesterRefusal, string> = {
  guest: ':no_entry_sign: Guests cannot ask the agent: only full members of this workspace can.',
  other_workspace:
    ':no_entry_sign: Only full members of the workspace Countersign is installed in can ask its agent.',
  bot: ':no_entry_sign: Bots and apps cannot ask the agent.',
  deactivated: ':no_entry_sign: Deactivated accounts cannot ask the agent.',
  not_listed:
    ':no_entry_sign: You are not among the people who may ask the agent here; whoever runs Countersign can add you.',
  unverifiable:
    ':warning: Countersign could not check your membership with Slack just now, so nothing was started. Please try again in a moment.',
};

/** The acknowledgement when Slack is slow to say who the person is: the answer follows through the response_url. */
export const CHECKING_REQUESTER_TEXT =
  ':hourglass_flowing_sand: Checking with Slack that you may ask the agent; the answer follows here.';

/**
 * Whether REQUESTERS lets this person ask, given the members of its user groups (pure). The same resolution as an
 * approval's APPROVERS: unset lets everyone through.
 */
export function listedRequester(
  userId: string,
  requesters: ApproverIds | undefined,
  groupMembers: Record<string, string[]>,
): boolean {
  const eligible = resolveEligibility(requesters, groupMembers);
  return eligible.kind === 'anyone' || eligible.users.includes(userId);
}

export type RequesterCheck = (client: WebClient, userId: string) => Promise<RequesterVerdict>;

/**
 * Asks Slack, on every request, who the person is and (when they are not listed by name) who is in REQUESTERS' user
 * groups now: a person removed from a group may no longer ask from that moment on.
 */
export function createRequesterCheck(
  membership: MembershipCheck,
  requesters: ApproverIds | undefined,
): RequesterCheck {
  const groupMembers = async (client: WebClient, userId: string): Promise<Record<string, string[]>> => {
    if (!requesters || requesters.users.includes(userId)) return {};
    const lists = await Promise.all(
      requesters.userGroups.map(async (usergroup) => {
        const answer = await client.usergroups.users.list({ usergroup });
        return [usergroup, answer.users ?? []] as const;
      }),
    );
    return Object.fromEntries(lists);
  };
  return async (client, userId) => {
    const [member, groups] = await Promise.all([
      membership(client, userId),
      groupMembers(client, userId).catch(() => undefined),
    ]);
    if (!member.ok) return member;
    if (!groups) return { ok: false, reason: 'unverifiable' };
    return listedRequester(userId, requesters, groups) ? { ok: true } : { ok: false, reason: 'not_listed' };
  };
}

// ---------------------------------------------------------------------------------------------------------
// What a requester can see: reads on their behalf (channel_info, the names on their request's card) go no further
// ---------------------------------------------------------------------------------------------------------

/** Slack's own maximum page size for conversations.members. */
const MEMBERS_PAGE_SIZE = 1000;

/** A conversation as conversations.info describes it: enough to tell who can read it. */
export interface ConversationKind {
  is_private?: boolean | undefined;
  is_im?: boolean | undefined;
  is_mpim?: boolean | undefined;
}

/** Open to every full member: a public channel, said plainly (anything unstated counts as private). */
export function isPlainlyPublic(conversation: ConversationKind): boolean {
  return conversation.is_private === false && !conversation.is_im && !conversation.is_mpim;
}

async function isMember(slack: WebClient, channel: string, userId: string): Promise<boolean> {
  let cursor: string | undefined;
  do {
    const page = await slack.conversations.members({
      channel,
      limit: MEMBERS_PAGE_SIZE,
      ...(cursor ? { cursor } : {}),
    });
    if (page.members?.includes(userId)) return true;
    cursor = page.response_metadata?.next_cursor || undefined;
  } while (cursor);
  return false;
}

/** Whether the requester could read a conversation in Slack themselves. */
export type RequesterSight = (channel: string, conversation: ConversationKind) => Promise<boolean>;

/**
 * The bot may be in conversations the requester is not, and a guest sees only the channels they are in: a public
 * channel is for full members of the workspace, anything else only for its members. Who the requester is, is asked
 * of Slack at most once per sight; when Slack cannot say, this throws (a read is retried, a name left out).
 */
export function requesterSight(
  slack: WebClient,
  requesterId: string,
  membership: MembershipCheck = createMembershipCheck(),
): RequesterSight {
  let member: Promise<Membership> | undefined;
  return async (channel, conversation) => {
    if (isPlainlyPublic(conversation)) {
      member ??= membership(slack, requesterId);
      const verdict = await member;
      if (verdict.ok) return true;
      if (verdict.reason === 'unverifiable') {
        throw new Error('could not check with Slack whether the requester is a full member of the workspace');
      }
    }
    return isMember(slack, channel, requesterId);
  };
}
