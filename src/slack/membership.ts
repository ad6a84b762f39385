// Only full members of the workspace Countersign is installed in may decide: not guests (single- or multi-channel),
// not people of another organisation who share a channel through Slack Connect, not bots, not deactivated accounts.
// Slack's own users.info is the authority; the workflow checks the team again with the decision. The same check says
// who may ask the agent and how far reads on a requester's behalf go (requester-access.ts).
import type { WebClient } from '@slack/web-api';
import { REFUSALS } from '../approval/policy.js';
import { installedTeam } from './installed-team.js';

export type Membership =
  | { ok: true; teamId: string }
  | { ok: false; reason: 'guest' | 'other_workspace' | 'bot' | 'deactivated' | 'unverifiable' };

export const MEMBERSHIP_TEXT: Record<Exclude<Membership, { ok: true }>['reason'], string> = {
  guest: ':no_entry_sign: Guests cannot decide on agent actions: only full members of this workspace can.',
  // The same words as the workflow's own refusal of another team.
  other_workspace: REFUSALS.wrong_team.person,
  bot: ':no_entry_sign: Bots and apps cannot decide on agent actions.',
  deactivated: ':no_entry_sign: Deactivated accounts cannot decide on agent actions.',
  unverifiable:
    ':warning: Countersign could not check your membership with Slack just now, so nothing was recorded. Please try again in a moment.',
};

export type MembershipCheck = (client: WebClient, userId: string) => Promise<Membership>;

/** A check that asks Slack who the person is on every call (and which workspace the app is in, once). */
export function createMembershipCheck(): MembershipCheck {
  return async (client, userId) => {
    try {
      const [team, info] = await Promise.all([installedTeam(client), client.users.info({ user: userId })]);
      const user = info.user;
      if (!user) return { ok: false, reason: 'unverifiable' };
      if (user.deleted) return { ok: false, reason: 'deactivated' };
      if (user.is_bot || user.is_app_user) return { ok: false, reason: 'bot' };
      if (user.team_id !== team) return { ok: false, reason: 'other_workspace' };
      if (user.is_restricted || user.is_ultra_restricted) return { ok: false, reason: 'guest' };
      return { ok: true, teamId: team };
    } catch {
      return { ok: false, reason: 'unverifiable' };
    }
  };
}
