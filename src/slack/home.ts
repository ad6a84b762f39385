// Publishing a person's App Home: their inbox as it stands now. On each open, and after each of their decisions and
// withdrawals, so what they look at follows what they did.
import type { WebClient } from '@slack/web-api';
import type { Client } from '@temporalio/client';
import type { Person } from '../approval/schemas.js';
import { homeView, pendingMessage } from './blocks/home.js';
import { readInbox } from './inbox.js';
import type { MembershipCheck } from './membership.js';

export interface HomeDeps {
  temporal: Client;
  membership: MembershipCheck;
  /** Who opened their Home lately (in this process), and when: only they get it republished after a decision. */
  homeViewers: Map<string, number>;
}

/** How long after opening their Home a person's decisions still republish it. */
const HOME_VIEWER_TTL_MS = 60 * 60_000;
/** People remembered at most; the oldest are forgotten first. */
const HOME_VIEWERS_MAX = 10_000;

export function sawHome(deps: HomeDeps, userId: string, nowMs = Date.now()): void {
  deps.homeViewers.delete(userId);
  deps.homeViewers.set(userId, nowMs);
  if (deps.homeViewers.size > HOME_VIEWERS_MAX) {
    const oldest = deps.homeViewers.keys().next().value;
    if (oldest !== undefined) deps.homeViewers.delete(oldest);
  }
}

/**
 * After a person's decision or withdrawal: their Home as it now stands, if they use it. Reading an inbox costs
 * Temporal a visibility query and a query per approval listed, so people who have not opened their Home lately (in
 * this process) are not republished; their next open shows everything.
 */
export async function republishHome(deps: HomeDeps, client: WebClient, person: Person): Promise<void> {
  const opened = deps.homeViewers.get(person.id);
  if (opened === undefined || Date.now() - opened > HOME_VIEWER_TTL_MS) return;
  await publishHome(deps, client, person);
}

export async function publishHome(
  deps: Pick<HomeDeps, 'temporal' | 'membership'>,
  client: WebClient,
  person: Person,
): Promise<void> {
  const membership = await deps.membership(client, person.id);
  const inbox = await readInbox(deps.temporal, person, membership);
  await client.views.publish({ user_id: person.id, view: homeView(inbox, new Date().toISOString()) });
}

/**
 * Publishes a person's Home after something of theirs changed; a failure is logged, never thrown: the change itself
 * has already been answered.
 */
export async function refreshHome(
  deps: Pick<HomeDeps, 'temporal' | 'membership'>,
  client: WebClient,
  person: Person,
  logger: { error(message: string, fields: Record<string, unknown>): void },
): Promise<void> {
  await publishHome(deps, client, person).catch((error: Error) =>
    logger.error('could not publish App Home', { user: person.id, error: error.message }),
  );
}

/** `/agent pending`: the same list as an ephemeral message. */
export async function pendingFor(
  deps: Pick<HomeDeps, 'temporal' | 'membership'>,
  client: WebClient,
  person: Person,
) {
  const membership = await deps.membership(client, person.id);
  return pendingMessage(await readInbox(deps.temporal, person, membership));
}
